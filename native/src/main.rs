//! The `bigedit` command-line tool; all work is done by the library (see `bigedit::cli`).

fn main() -> std::process::ExitCode {
    bigedit::cli::main()
}
