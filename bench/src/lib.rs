//! Benchmarks of teamseats, kept apart from the product: `bare` is the smallest
//! `lambda_runtime` function, the baseline for cold starts, and `daily` loads a table of
//! due and not-due items on a DynamoDB-compatible server and times the daily run on it.
//! `scripts/bench` runs them; BENCHMARKS.md holds the figures.
