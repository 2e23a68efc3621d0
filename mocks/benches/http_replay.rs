//! Criterion benchmark of replays through the HTTP fakes: the wall time of
//! one HTTP replay of each built-in strategy on the Friday cascade (its
//! story seed), with throughput in HTTP requests per second, next to the
//! same replay in-process.
//!
//! Run with `cargo bench -p gameday-mocks`; the README quotes the medians.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use gameday_mocks::session::http_replay;
use gameday_sim::engine::replay;
use gameday_sim::scenario::friday_cascade;
use gameday_sim::strategy::presets::{preset, BUILTIN};

fn http_replays(c: &mut Criterion) {
    let sc = friday_cascade();
    let seed = sc.default_seed;
    let mut group = c.benchmark_group("http-replay");
    group.sample_size(10);
    for name in BUILTIN {
        let policy = preset(name, &sc).expect("built-in");
        // Same seed, same requests: the count is a property of the replay.
        let probe = http_replay(&sc, &policy, seed).expect("HTTP replay");
        println!(
            "{name}: {} control-plane calls, {} HTTP requests per replay",
            probe.replay.control_plane_calls, probe.requests
        );
        group.throughput(Throughput::Elements(probe.requests));
        group.bench_with_input(BenchmarkId::from_parameter(name), &policy, |b, p| {
            b.iter(|| http_replay(&sc, p, seed).expect("HTTP replay"))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("in-process-replay");
    for name in BUILTIN {
        let policy = preset(name, &sc).expect("built-in");
        group.bench_with_input(BenchmarkId::from_parameter(name), &policy, |b, p| {
            b.iter(|| replay(&sc, p, seed))
        });
    }
    group.finish();
}

criterion_group!(benches, http_replays);
criterion_main!(benches);
