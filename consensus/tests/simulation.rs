//! The consensus glue (propose, disseminate, verify, finalize, store) under commonware's
//! deterministic runtime and simulated network: random delays, drops, partitions, validators
//! cut off and restarted, a Byzantine proposer and a double voter. Never two finalized blocks
//! at one height; progress after every partition heals. `WEFT_SIM_SEEDS=N` runs N seeds per
//! scenario (CI: 4; by hand: a long run, recorded in docs/BENCHMARKS.md).

mod support;

use std::time::Duration;

use commonware_runtime::{deterministic, Clock as _, Runner as _};
use rand::{Rng as _, SeedableRng as _};
use support::{
    assert_one_chain,
    net::{heights, link, network, set_links, start, start_double_voter, validators, wait_for},
};
use weft_types::CertificateError;

const ALL: [usize; 4] = [0, 1, 2, 3];

fn seeds() -> u64 {
    std::env::var("WEFT_SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4)
}

fn run<F, Fut>(seed: u64, f: F)
where
    F: FnOnce(deterministic::Context) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    // RUST_LOG=weft_consensus=debug shows the glue's decisions.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let config = deterministic::Config::new()
        .with_seed(seed)
        .with_timeout(Some(Duration::from_secs(3_600)));
    deterministic::Runner::new(config).start(f);
}

#[test]
fn four_validators_finalize_one_chain_under_random_delays_and_drops() {
    for seed in 0..seeds() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let (latency, jitter) = (rng.gen_range(5..150), rng.gen_range(0..50));
        let success = rng.gen_range(0.85..1.0);
        run(seed, move |context| async move {
            let v = validators(4);
            let oracle = network(&context, &v.peers).await;
            set_links(
                &oracle,
                &v,
                &ALL,
                &ALL,
                Some(link(latency, jitter, success)),
            )
            .await;
            let _handles: Vec<_> = futures_join(&context, &oracle, &v, &ALL, None).await;
            let done = wait_for(&context, &v, &ALL, 20, Duration::from_secs(600)).await;
            assert!(
                done,
                "seed {seed} (latency {latency} ms, drops {:.0} %): heights {:?}",
                (1.0 - success) * 100.0,
                heights(&v, &ALL)
            );
            assert!(assert_one_chain(&v.records) >= 20);
        });
    }
}

async fn futures_join(
    context: &deterministic::Context,
    oracle: &support::net::Net,
    v: &support::net::Validators,
    which: &[usize],
    byzantine: Option<usize>,
) -> Vec<(
    commonware_runtime::Handle<()>,
    commonware_runtime::Handle<()>,
)> {
    let mut handles = Vec::new();
    for &i in which {
        handles.push(start(context, oracle, v, i, byzantine == Some(i)).await);
    }
    handles
}

#[test]
fn partitions_never_fork_and_finalization_resumes_after_each_heals() {
    for seed in 0..seeds() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
        let cuts: Vec<(Vec<usize>, u64)> = (0..3)
            .map(|_| {
                let size = rng.gen_range(1..=2);
                let mut side: Vec<usize> = Vec::new();
                while side.len() < size {
                    let i = rng.gen_range(0..4);
                    if !side.contains(&i) {
                        side.push(i);
                    }
                }
                (side, rng.gen_range(3..20))
            })
            .collect();
        run(seed, move |context| async move {
            let v = validators(4);
            let oracle = network(&context, &v.peers).await;
            let good = link(50, 20, 0.98);
            set_links(&oracle, &v, &ALL, &ALL, Some(good.clone())).await;
            let _handles = futures_join(&context, &oracle, &v, &ALL, None).await;
            assert!(wait_for(&context, &v, &ALL, 3, Duration::from_secs(120)).await);
            for (side, seconds) in cuts {
                let rest: Vec<usize> = ALL.iter().copied().filter(|i| !side.contains(i)).collect();
                set_links(&oracle, &v, &side, &rest, None).await;
                context.sleep(Duration::from_secs(seconds)).await;
                assert_one_chain(&v.records);
                set_links(&oracle, &v, &side, &rest, Some(good.clone())).await;
                let target = heights(&v, &ALL).into_iter().max().unwrap() + 3;
                assert!(
                    wait_for(&context, &v, &ALL, target, Duration::from_secs(300)).await,
                    "seed {seed}: no progress after healing a cut of {side:?}: {:?}",
                    heights(&v, &ALL)
                );
            }
            assert_one_chain(&v.records);
        });
    }
}

#[test]
fn with_two_of_four_stopped_nothing_is_finalized_and_it_resumes_after_they_restart() {
    for seed in 0..seeds() {
        run(seed, move |context| async move {
            let v = validators(4);
            let oracle = network(&context, &v.peers).await;
            set_links(&oracle, &v, &ALL, &ALL, Some(link(40, 10, 1.0))).await;
            let mut handles = futures_join(&context, &oracle, &v, &ALL, None).await;
            assert!(wait_for(&context, &v, &ALL, 5, Duration::from_secs(120)).await);
            // Stop validators 2 and 3 (their tasks end; their journals stay).
            for (engine, glue) in handles.drain(2..) {
                engine.abort();
                glue.abort();
            }
            context.sleep(Duration::from_secs(5)).await;
            let stalled = heights(&v, &[0, 1]);
            context.sleep(Duration::from_secs(60)).await;
            assert_eq!(
                heights(&v, &[0, 1]),
                stalled,
                "seed {seed}: finalized with two of four"
            );
            assert_one_chain(&v.records);
            // Restart them on their journals: finalization resumes from where it stopped.
            for i in [2, 3] {
                handles.push(start(&context, &oracle, &v, i, false).await);
            }
            let target = stalled.iter().max().unwrap() + 5;
            assert!(
                wait_for(&context, &v, &ALL, target, Duration::from_secs(600)).await,
                "seed {seed}: no progress after restart: {:?}",
                heights(&v, &ALL)
            );
            assert_one_chain(&v.records);
        });
    }
}

#[test]
fn a_proposal_whose_commitments_do_not_match_gets_no_votes_and_the_next_leader_goes_on() {
    for seed in 0..seeds() {
        run(seed, move |context| async move {
            let v = validators(4);
            let oracle = network(&context, &v.peers).await;
            set_links(&oracle, &v, &ALL, &ALL, Some(link(30, 10, 1.0))).await;
            let _handles = futures_join(&context, &oracle, &v, &ALL, Some(0)).await;
            let honest = [1, 2, 3];
            assert!(wait_for(&context, &v, &honest, 15, Duration::from_secs(600)).await);
            assert_one_chain(&v.records); // includes: no invalid block finalized
            for i in honest {
                assert!(
                    v.records[i].lock().unwrap().refused > 0,
                    "validator {i} never saw the bad proposal"
                );
            }
        });
    }
}

#[test]
fn double_votes_are_recorded_as_evidence_naming_the_validator() {
    for seed in 0..seeds() {
        run(seed, move |context| async move {
            let v = validators(4);
            let oracle = network(&context, &v.peers).await;
            set_links(&oracle, &v, &ALL, &ALL, Some(link(30, 10, 1.0))).await;
            let honest = [0, 1, 2];
            let _handles = futures_join(&context, &oracle, &v, &honest, None).await;
            let _voter = start_double_voter(&context, &oracle, &v, 3).await;
            assert!(wait_for(&context, &v, &honest, 10, Duration::from_secs(600)).await);
            assert_one_chain(&v.records);
            for i in honest {
                let record = v.records[i].lock().unwrap();
                assert!(
                    !record.faults.is_empty(),
                    "validator {i} recorded no evidence"
                );
                for fault in &record.faults {
                    assert_eq!(fault.signer, 3);
                    assert!(fault.kind.starts_with("conflicting_"), "{}", fault.kind);
                    assert!(!fault.evidence.is_empty());
                }
            }
        });
    }
}

#[test]
fn engine_certificates_altered_are_refused_by_the_light_client_verifier() {
    run(7, |context| async move {
        let v = validators(4);
        let oracle = network(&context, &v.peers).await;
        set_links(&oracle, &v, &ALL, &ALL, Some(link(20, 5, 1.0))).await;
        let _handles = futures_join(&context, &oracle, &v, &ALL, None).await;
        assert!(wait_for(&context, &v, &ALL, 3, Duration::from_secs(120)).await);
        let (digest, _, cert) = v.records[0].lock().unwrap().finalized[2].clone();
        let cert = if cert.payload == digest {
            cert
        } else {
            panic!("block 3 finalized through a descendant")
        };
        v.set.verify(&digest, &cert).unwrap();

        let mut few = cert.clone();
        while few.signers.len() >= v.set.quorum() {
            few.signers.pop();
        }
        assert!(matches!(
            v.set.verify(&digest, &few),
            Err(CertificateError::TooFewSigners { .. })
        ));
        let mut outside = cert.clone();
        *outside.signers.last_mut().unwrap() = 4;
        assert!(matches!(
            v.set.verify(&digest, &outside),
            Err(CertificateError::UnknownSigner { index: 4, .. })
        ));
        let mut chain = cert.clone();
        chain.chain_id = "weft-elsewhere".into();
        assert!(matches!(
            v.set.verify(&digest, &chain),
            Err(CertificateError::WrongChain { .. })
        ));
        let other = v.records[0].lock().unwrap().finalized[1].0;
        assert!(matches!(
            v.set.verify(&other, &cert),
            Err(CertificateError::WrongHeader { .. })
        ));
        let mut retargeted = cert.clone();
        retargeted.payload = other;
        assert!(matches!(
            v.set.verify(&other, &retargeted),
            Err(CertificateError::BadSignature { .. })
        ));
    });
}
