//! Writes the sample account that the events in `events/` name into a store, so that the
//! events succeed when replayed against a function: `scripts/bench memory` uses it.
//!
//! ```text
//! seed-sample [PENDING TOKENS_FILE]
//! ```
//!
//! The store is DynamoDB when `TABLE_NAME` is set (the table is created if missing, at
//! the endpoint the AWS variables name), else the embedded store in `DATA_DIR`. With
//! PENDING, that many more pending trial invitations are written to the account and
//! their tokens to TOKENS_FILE, one per line, each to be accepted once.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use teamseats_tests::open_store;
use teamseats_tests::sample::{Sample, pending_invitations};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let pending = match args.as_slice() {
        [] => None,
        [count, file] => match count.parse::<usize>() {
            Ok(count) => Some((count, PathBuf::from(file))),
            Err(_) => return usage(),
        },
        _ => return usage(),
    };

    let table = std::env::var("TABLE_NAME").ok();
    let data_dir = std::env::var_os("DATA_DIR").unwrap_or_else(|| "data".into());
    let store = open_store(table.as_deref(), Path::new(&data_dir)).await;
    Sample::now().seed(store.as_ref()).await;
    if let Some((count, file)) = pending {
        let tokens = pending_invitations(store.as_ref(), count).await;
        let mut lines = tokens.join("\n");
        lines.push('\n');
        if let Err(error) = std::fs::write(&file, lines) {
            eprintln!("could not write {}: {error}", file.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn usage() -> ExitCode {
    eprintln!("usage: seed-sample [PENDING TOKENS_FILE]");
    ExitCode::from(2)
}
