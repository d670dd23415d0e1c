fn main() {
    std::process::exit(ork::cli::run());
}
