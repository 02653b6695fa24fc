//! `cargo run -p local`: serves teamseats on `127.0.0.1:3000` (or `PORT`).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use teamseats::clock::SystemClock;
use teamseats::config::Config;
use teamseats::service::error_chain;
use teamseats_api::App;
use teamseats_api::wiring::Host;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    match serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("teamseats could not start: {}", error_chain(error.as_ref()));
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    let config = Config::from_env()?;
    let port: u16 = match std::env::var("PORT") {
        Ok(raw) => raw
            .parse()
            .map_err(|_| format!("environment variable PORT: {raw:?} is not a port"))?,
        Err(_) => 3000,
    };
    let app = App::from_config(&config, Arc::new(SystemClock), Host::Local).await?;

    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(address).await?;
    tracing::info!(%address, data_dir = %config.data_dir.display(), "teamseats is listening");
    println!(
        "teamseats is listening on http://{address} (data in {})",
        config.data_dir.display()
    );

    axum::serve(listener, local::router(app))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
