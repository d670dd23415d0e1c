//! Reading manifests: files, directories (their `.yaml`, `.yml` and `.json`
//! files, sorted; `-R` for subdirectories) and `-` for stdin; then strict
//! decoding of all of them, every problem of every file listed at once.

use super::{CliError, Result};
use crate::api::manifest::{self, Document, ManifestError, Strictness};
use std::io::Read;
use std::path::{Path, PathBuf};

/// One input file and its text.
pub struct Source {
    pub name: String,
    pub text: String,
}

/// A decoded object and where it came from.
pub struct Manifest {
    pub file: String,
    pub doc: Document,
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> CliError {
    let path = path.to_path_buf();
    move |source| CliError::Io { what, path, source }
}

fn is_manifest(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("yaml") | Some("yml") | Some("json")
    )
}

fn collect_dir(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io("reading directory", dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if recursive {
                collect_dir(&p, recursive, out)?;
            }
        } else if is_manifest(&p) {
            out.push(p);
        }
    }
    Ok(())
}

fn read_limited(mut r: impl Read, name: &str) -> Result<String> {
    let mut buf = Vec::new();
    r.by_ref()
        .take(manifest::MAX_BYTES as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(io("reading", Path::new(name)))?;
    if buf.len() > manifest::MAX_BYTES {
        return Err(CliError::Failed(format!(
            "{name}: larger than {} MiB; split it into several files",
            manifest::MAX_BYTES >> 20
        )));
    }
    String::from_utf8(buf).map_err(|_| CliError::Failed(format!("{name}: not UTF-8 text")))
}

/// Reads every input named by `-f` arguments.
pub fn read_sources(args: &[String], recursive: bool) -> Result<Vec<Source>> {
    let mut out = vec![];
    for a in args {
        if a == "-" {
            out.push(Source {
                name: "-".into(),
                text: read_limited(std::io::stdin().lock(), "-")?,
            });
            continue;
        }
        let p = PathBuf::from(a);
        let meta = std::fs::metadata(&p).map_err(io("reading", &p))?;
        let files = if meta.is_dir() {
            let mut files = vec![];
            collect_dir(&p, recursive, &mut files)?;
            if files.is_empty() {
                return Err(CliError::Failed(format!(
                    "{a}: no manifests (*.yaml, *.yml, *.json) in this directory"
                )));
            }
            files
        } else {
            vec![p]
        };
        for f in files {
            let file = std::fs::File::open(&f).map_err(io("opening", &f))?;
            out.push(Source {
                name: f.display().to_string(),
                text: read_limited(file, &f.display().to_string())?,
            });
        }
    }
    Ok(out)
}

/// Prints problems, one per line, to stderr.
pub fn print_problems(problems: &[ManifestError]) {
    for p in problems {
        eprintln!("{p}");
    }
}

/// Decodes every source; on any error prints them all and fails.
pub fn decode_all(sources: &[Source], strictness: Strictness, verb: &str) -> Result<Vec<Manifest>> {
    let mut out = vec![];
    let mut problems = vec![];
    let mut bad_files = 0;
    for s in sources {
        match manifest::decode(&s.name, &s.text, strictness) {
            Ok(d) => {
                for w in &d.warnings {
                    eprintln!("warning: {w}");
                }
                out.extend(d.documents.into_iter().map(|doc| Manifest {
                    file: s.name.clone(),
                    doc,
                }));
            }
            Err(errs) => {
                bad_files += 1;
                problems.extend(errs);
            }
        }
    }
    if !problems.is_empty() {
        print_problems(&problems);
        return Err(CliError::Manifest(format!(
            "{} problem{} in {bad_files} file{}; nothing was {verb}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            if bad_files == 1 { "" } else { "s" },
        )));
    }
    if out.is_empty() {
        return Err(CliError::Failed("no objects in the input".into()));
    }
    Ok(out)
}
