fn main() -> std::process::ExitCode {
    scim_console_cli::main_entry()
}
