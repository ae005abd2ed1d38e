//! The sampler against a real k = 2 square (encoded here, the slow way a node does): a peer
//! that serves bad cells is blamed and its cells are asked of another peer; a peer that
//! withholds leaves the height unavailable with the confidence its verified samples give.

use std::{sync::Arc, time::Duration};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use web_time::Instant;
use weft_encoding::{
    constants::BYTES_PER_ROW, layout::Digest32, ExtendedSquare, Position, RowProver, SquareEncoder,
};
use weft_p2p::{Misbehaviour, PeerId};
use weft_types::{wire::CellWithProof, Header, ProducerKey, UnsignedHeader, GENESIS_PARENT};

use super::*;
use crate::confidence::{confidence, samples_needed};

const K: usize = 2;
const TARGET: f64 = 0.9999;

fn square() -> (Header, ExtendedSquare) {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let rows: Vec<Vec<u8>> = (0..K)
        .map(|_| {
            let mut row = vec![0u8; BYTES_PER_ROW];
            rng.fill(&mut row[..]);
            row.chunks_exact_mut(32).for_each(|e| e[0] = 0);
            row
        })
        .collect();
    let refs: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
    let square = SquareEncoder::new(Arc::new(RowProver::new()))
        .encode_bytes(&refs)
        .unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
    let header = UnsignedHeader {
        height: 7,
        parent_hash: Digest32(GENESIS_PARENT),
        timestamp_ms: 1,
        k: K as u16,
        row_commitments: square.original_commitments().to_vec(),
        blob_count: 0,
        index_root: Digest32([0; 32]),
        producer: ProducerKey::of(&key),
    }
    .sign(&key);
    (header, square)
}

fn serve(square: &ExtendedSquare, cells: &[Position], lie: bool) -> Vec<CellWithProof> {
    cells
        .iter()
        .map(|p| {
            let mut cell = *square.cell(p.row.into(), p.col.into());
            if lie {
                cell[100] ^= 1;
            }
            CellWithProof {
                id: *p,
                cell,
                proof: *square.proof(p.row.into(), p.col.into()),
            }
        })
        .collect()
}

#[test]
fn a_peer_serving_bad_cells_is_blamed_and_its_cells_are_asked_elsewhere() {
    let (header, square) = square();
    let (liar, honest) = (PeerId::random(), PeerId::random());
    let mut sampler = Sampler::new(
        TARGET,
        Duration::from_secs(30),
        ChaCha20Rng::seed_from_u64(1),
    );
    let now = Instant::now();
    let (first, _) = sampler.start(header, now).unwrap();
    assert_eq!(first.samples, samples_needed(K, TARGET));
    assert_eq!(first.verdict, Availability::Sampling);

    let asks = sampler.dispatch(&[liar, honest], now);
    assert!(asks.iter().any(|a| a.peer == liar) && asks.iter().any(|a| a.peer == honest));
    let mut lied_about = Vec::new();
    for ask in &asks {
        let lie = ask.peer == liar;
        let (blame, _) = sampler.on_answer(ask, serve(&square, &ask.cells, lie), now);
        let expected = lie.then_some(Misbehaviour::InvalidCell);
        assert_eq!(blame, expected, "a lie is fraud, by the error's fault");
        if lie {
            lied_about.extend(ask.cells.iter().copied());
        }
    }
    assert!(
        sampler.finished(now, |_| false).is_empty(),
        "the liar's samples are still owed"
    );

    // Everything left goes to the honest peer, never back to the liar.
    let retry = sampler.dispatch(&[liar, honest], now);
    assert!(retry.iter().all(|a| a.peer == honest));
    let mut retried: Vec<Position> = retry.iter().flat_map(|a| a.cells.clone()).collect();
    retried.sort();
    lied_about.sort();
    assert_eq!(retried, lied_about);
    for ask in &retry {
        sampler.on_answer(ask, serve(&square, &ask.cells, false), now);
    }
    let done = sampler.finished(now, |_| false);
    let (record, grid) = &done[0];
    assert_eq!(record.verdict, Availability::Available);
    assert_eq!(record.verified, record.samples);
    assert_eq!(record.failed, lied_about.len());
    assert!(record.confidence >= TARGET);
    assert_eq!(record.peers, 2);
    assert!(grid.iter().all(|(_, _, s)| *s != SampleState::Pending));
    assert_eq!(sampler.counters().samples_failed as usize, lied_about.len());
    assert_eq!(sampler.counters().heights_available, 1);
}

#[test]
fn a_withholding_peer_leaves_the_height_unavailable_with_its_confidence() {
    let (header, square) = square();
    let peer = PeerId::random();
    let timeout = Duration::from_secs(4);
    let mut sampler = Sampler::new(TARGET, timeout, ChaCha20Rng::seed_from_u64(2));
    let start = Instant::now();
    sampler.start(header, start).unwrap();
    // The peer withholds rows 0..=k, columns 0..65 (the smallest unrecoverable block).
    let withheld = |p: &Position| usize::from(p.row) <= K && p.col < 65;
    let mut served_some = 0;
    for round in 0..3u32 {
        let now = start + Duration::from_secs(u64::from(round) * 2);
        for ask in sampler.dispatch(&[peer], now) {
            let kept: Vec<Position> = ask.cells.iter().copied().filter(|p| !withheld(p)).collect();
            served_some += kept.len();
            let (blame, _) = sampler.on_answer(&ask, serve(&square, &kept, false), now);
            assert_eq!(blame, None, "withholding is not provable fraud");
        }
    }
    assert!(served_some > 0);
    let done = sampler.finished(start + timeout + Duration::from_millis(1), |_| false);
    let (record, _) = &done[0];
    assert_eq!(record.verdict, Availability::Unavailable);
    assert!(record.verified < record.samples);
    assert_eq!(record.verified, served_some);
    assert_eq!(record.confidence, confidence(K, record.verified));
    assert_eq!(record.failed, 0);
    assert!(!sampler.is_sampling(7));
    assert_eq!(sampler.counters().heights_unavailable, 1);
}

#[test]
fn draws_are_distinct_and_in_range() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for k in [1usize, 4, 128] {
        let cells = draw(&mut rng, k, 40);
        assert_eq!(cells.len(), 40);
        assert_eq!(
            cells.iter().collect::<std::collections::HashSet<_>>().len(),
            40
        );
        assert!(cells
            .iter()
            .all(|p| usize::from(p.row) < 2 * k && usize::from(p.col) < 128));
    }
    assert_eq!(draw(&mut rng, 1, 1000).len(), 256);
}
