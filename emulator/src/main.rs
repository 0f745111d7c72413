#[tokio::main]
async fn main() -> std::process::ExitCode {
    spmig::cli::run().await
}
