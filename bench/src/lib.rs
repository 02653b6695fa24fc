//! Benchmarks of teamseats, kept apart from the product: `bare` is the smallest
//! `lambda_runtime` function, the baseline for cold starts; `daily` loads a table of due
//! and not-due items on a DynamoDB-compatible server and times the daily run on it; and
//! the `handlers` benchmark (`benches/handlers.rs`) measures each handler's CPU time per
//! invocation on the embedded store with criterion. `scripts/bench` runs the first two;
//! BENCHMARKS.md holds the figures.
