//! Criterion benchmarks: one replay of each built-in strategy on the Friday
//! cascade, and a 1,000-seed comparison of all of them.
//!
//! Run with `cargo bench -p gameday-sim`; the README quotes the medians.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use gameday_sim::engine::{replay_world, sweep::sweep};
use gameday_sim::scenario::friday_cascade;
use gameday_sim::strategy::presets::{preset, BUILTIN};

fn one_replay(c: &mut Criterion) {
    let sc = friday_cascade();
    let mut group = c.benchmark_group("replay");
    for name in BUILTIN {
        let policy = preset(name, &sc).expect("built-in");
        group.bench_with_input(BenchmarkId::from_parameter(name), &policy, |b, p| {
            let mut seed = 0;
            b.iter(|| {
                seed += 1;
                replay_world(&sc, p, seed).1
            })
        });
    }
    group.finish();
}

fn compare_1000(c: &mut Criterion) {
    let sc = friday_cascade();
    let policies: Vec<_> = BUILTIN.iter().filter_map(|n| preset(n, &sc)).collect();
    let mut group = c.benchmark_group("compare");
    group.sample_size(10);
    for threads in [1, 2] {
        group.bench_with_input(
            BenchmarkId::new("all-strategies-1000-seeds", format!("{threads}-threads")),
            &threads,
            |b, &t| b.iter(|| sweep(&sc, &policies, 1000, 1, t).expect("thread pool")),
        );
    }
    group.finish();
}

criterion_group!(benches, one_replay, compare_1000);
criterion_main!(benches);
