//! The `ork` binary: everything it does lives in the library; see `ork::cli`.

fn main() {
    std::process::exit(ork::cli::run());
}
