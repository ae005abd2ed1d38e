//! The fast column code (FFTs in the field and in G1, barycentric recovery) against the naive
//! references (Lagrange interpolation, dense G1 sums), over random inputs and every k.

use ekzg_bls12_381::{traits::*, G1Projective};
use proptest::prelude::*;
use rand::{seq::SliceRandom, SeedableRng};
use rand_chacha::ChaCha20Rng;
use weft_encoding::field::reverse_bits;
use weft_encoding::{column::ColumnCode, naive, Scalar};

fn scalars(rng: &mut ChaCha20Rng, n: usize) -> Vec<Scalar> {
    (0..n).map(|_| Scalar::random(&mut *rng)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn field_extension_matches_lagrange(seed in any::<u64>(), log_k in 0u32..=7) {
        let k = 1usize << log_k;
        let code = ColumnCode::new(k).unwrap();
        let column = scalars(&mut ChaCha20Rng::seed_from_u64(seed), k);
        prop_assert_eq!(code.extend_scalars(&column), naive::extend_scalars(&code, &column));
    }

    #[test]
    fn g1_extension_matches_dense_sums(seed in any::<u64>(), log_k in 0u32..=5) {
        let k = 1usize << log_k;
        let code = ColumnCode::new(k).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let column: Vec<G1Projective> = (0..k).map(|_| G1Projective::random(&mut rng)).collect();
        prop_assert_eq!(code.extend_g1(&column), naive::extend_g1(&code, &column));
    }

    #[test]
    fn column_recovery_matches_interpolation(seed in any::<u64>(), log_k in 0u32..=6) {
        let k = 1usize << log_k;
        let code = ColumnCode::new(k).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let original = scalars(&mut rng, k);
        let full: Vec<Scalar> = original.iter().copied().chain(code.extend_scalars(&original)).collect();
        let mut rows: Vec<usize> = (0..2 * k).collect();
        rows.shuffle(&mut rng);
        let (known, missing) = rows.split_at(k);
        let plan = code.recovery_plan(known, missing).unwrap();
        let fast = plan.apply(|r| full[r]);
        let known_values: Vec<(usize, Scalar)> = known.iter().map(|&r| (r, full[r])).collect();
        prop_assert_eq!(&fast, &naive::recover_column(&code, &known_values, missing));
        let truth: Vec<Scalar> = missing.iter().map(|&r| full[r]).collect();
        prop_assert_eq!(fast, truth);
    }
}

#[test]
fn original_rows_are_the_first_k_points_and_code_is_systematic() {
    for log_k in 0..=7u32 {
        let k = 1usize << log_k;
        let code = ColumnCode::new(k).unwrap();
        let omega = ekzg_polynomial::domain::Domain::new(2 * k).generator;
        for i in 0..2 * k {
            let expect = omega.pow_vartime([reverse_bits(i, (2 * k).trailing_zeros()) as u64]);
            assert_eq!(code.point(i), expect, "k={k} row {i}");
        }
        // Weights of an original row are a unit vector; of an extended row they sum to 1 (the
        // constant polynomial extends to itself).
        assert_eq!(code.row_weights(0)[0], Scalar::ONE);
        let sum = code
            .row_weights(2 * k - 1)
            .iter()
            .fold(Scalar::ZERO, |a, w| a + w);
        assert_eq!(sum, Scalar::ONE);
    }
}

#[test]
fn bad_k_is_rejected() {
    for k in [0usize, 3, 6, 256] {
        assert_eq!(
            ColumnCode::new(k).unwrap_err(),
            weft_encoding::Error::InvalidK { k }
        );
    }
}
