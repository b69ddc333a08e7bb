use std::process::ExitCode;

fn main() -> ExitCode {
    coregroup::cli::run()
}
