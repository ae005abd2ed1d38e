//! `layout`: the rows layout version 2 (a blob of a row or more owns whole rows) costs against
//! version 1 (every blob back to back) on rollup batch mixes of 1 KiB–2 MiB, one line per mix.
//!
//! `cargo run -q -p weft-benches --bin layout -- --batches 100000`

use clap::Parser;
use weft_benches::layout_mix::{compare, overhead, Mix};

#[derive(Debug, Parser)]
#[command(about = "Layout version 2's extra rows against version 1 on rollup batch mixes")]
struct Args {
    /// Batches drawn per mix.
    #[arg(long, default_value_t = 100_000)]
    batches: usize,
    /// Seed of the draw.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn main() {
    let args = Args::parse();
    println!(
        "{:<11} {:>7} {:>11} {:>11} {:>8} {:>11} {:>11} {:>8}",
        "mix", "blocks", "rows v1", "rows v2", "extra", "square v1", "square v2", "extra"
    );
    for mix in Mix::ALL {
        let (v1, v2) = compare(mix, args.batches, args.seed);
        println!(
            "{:<11} {:>7} {:>11} {:>11} {:>7.2}% {:>11} {:>11} {:>7.2}%",
            format!("{mix:?}"),
            v2.blocks,
            v1.occupied,
            v2.occupied,
            100.0 * overhead(v1.occupied, v2.occupied),
            v1.square,
            v2.square,
            100.0 * overhead(v1.square, v2.square),
        );
    }
}
