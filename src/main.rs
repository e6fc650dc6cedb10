fn main() -> std::process::ExitCode {
    ivsctl::main()
}
