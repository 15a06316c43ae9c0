use clap::Parser;
use pathwise::config::{Cli, Command};
use pathwise::directus::DirectusClient;
use pathwise::{http, provision, seed};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    init_tracing();
    let cli = Cli::parse();
    match execute(cli.command).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pathwise: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn execute(command: Command) -> Result<(), String> {
    match command {
        Command::Serve(args) => {
            let worker = worker_from(&args.worker);
            let listener = tokio::net::TcpListener::bind(args.listen)
                .await
                .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
            tracing::info!(listen = %args.listen, directus = %args.worker.directus.directus_url, "worker listening");
            let sweeper = tokio::spawn(pathwise::sweep_periodically(
                worker.clone(),
                std::time::Duration::from_secs(args.sweep_interval),
            ));
            let state = http::AppState::new(worker, args.webhook_secret, args.directus_secret);
            let timeout = std::time::Duration::from_secs(args.shutdown_timeout);
            let served = pathwise::run(state, listener, shutdown_signal(), timeout).await;
            sweeper.abort();
            served.map_err(|e| e.to_string())
        }
        Command::Sweep(args) => {
            let worker = worker_from(&args.worker);
            let report = pathwise::process::sweep::sweep(&worker)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "sweep: {} attempt(s) waiting, {} graded, {} rejected, {} failed",
                report.found, report.graded, report.rejected, report.failed
            );
            if report.failed > 0 {
                Err(format!("{} attempt(s) could not be graded", report.failed))
            } else {
                Ok(())
            }
        }
        Command::Provision(args) => {
            let admin = DirectusClient::new(&args.directus.directus_url, Some(args.admin_token));
            let report =
                provision::provision(&admin, &provision::ProvisionOptions::new(args.worker_token))
                    .await
                    .map_err(|e| e.to_string())?;
            println!("{report}");
            Ok(())
        }
        Command::ExportSdl(args) => {
            let worker = DirectusClient::new(&args.directus.directus_url, Some(args.worker_token));
            let sdl = pathwise::directus::graphql_sdl(&worker)
                .await
                .map_err(|e| e.to_string())?;
            std::fs::write(&args.out, sdl)
                .map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
            println!("wrote {}", args.out.display());
            Ok(())
        }
        Command::Healthcheck(args) => {
            let client = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(4))
                .build()
                .map_err(|e| e.to_string())?;
            let response = client
                .get(&args.url)
                .send()
                .await
                .map_err(|e| format!("{}: {e}", args.url))?;
            if response.status().is_success() {
                Ok(())
            } else {
                Err(format!("{} answered {}", args.url, response.status()))
            }
        }
        Command::Report(args) => {
            let worker = worker_from(&args.worker);
            let report = pathwise::process::nightly::ab_report_now(&worker, chrono::Utc::now())
                .await
                .map_err(|e| e.to_string())?;
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
                );
            } else {
                print!("{}", report.to_text());
            }
            Ok(())
        }
        Command::Seed(args) => {
            let admin = DirectusClient::new(&args.directus.directus_url, Some(args.admin_token));
            let report = seed::seed(&admin, &args.demo_password)
                .await
                .map_err(|e| e.to_string())?;
            if report.is_unchanged() {
                println!("The demo course and accounts are already there: nothing changed.");
            } else {
                println!("{report}");
            }
            Ok(())
        }
    }
}

fn worker_from(args: &pathwise::config::WorkerArgs) -> pathwise::process::Worker {
    let directus =
        DirectusClient::new(&args.directus.directus_url, Some(args.worker_token.clone()));
    pathwise::process::Worker::new(directus, pathwise::metrics::Metrics::new(), args.settings())
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("PATHWISE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}
