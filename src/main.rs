fn main() -> std::process::ExitCode {
    chartdesk::cli::main()
}
