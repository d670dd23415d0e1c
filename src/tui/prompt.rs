//! The bottom line's prompts: `:` commands (with completion), `/` filters,
//! the scale prompt and `[y/n]` questions. Pure, like `update`.

use super::app::*;
use crate::api::{Kind, Selector};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Completions of a `:` word.
pub fn complete(word: &str) -> Vec<&'static str> {
    COMMANDS
        .iter()
        .copied()
        .filter(|c| c.starts_with(word))
        .collect()
}

/// Runs a `:` command line (a view name, `ns NAME`, `q`).
pub fn command(app: &mut App, line: &str) -> Vec<Effect> {
    let mut words = line.split_whitespace();
    let Some(w) = words.next() else {
        return vec![];
    };
    let arg = words.next();
    let fx = super::update::closing_logs(app);
    match w {
        "q" | "quit" | "q!" => app.quit = true,
        "failover" | "fo" => app.switch(View::Failover),
        "ns" | "namespace" | "namespaces" if arg.is_some() => {
            let a = arg.unwrap_or_default();
            app.namespace = if a == "all" || a == "-A" {
                None
            } else {
                Some(a.to_string())
            };
            let label = app.namespace.clone().unwrap_or_else(|| "all".into());
            app.switch(View::Table(Kind::Pod));
            app.flash(format!("namespace {label}"), false);
        }
        other => match Kind::from_name(other) {
            Some(k) if super::data::WATCHED.contains(&k) => {
                app.switch(View::Table(k));
                if let Some(a) = arg {
                    app.namespace = if a == "-A" || a == "all" {
                        None
                    } else {
                        Some(a.to_string())
                    };
                }
            }
            Some(k) => app.flash(
                format!(
                    "{} are not shown here yet: use `ork get {}`",
                    k.plural(),
                    k.plural()
                ),
                true,
            ),
            None => {
                let near = complete(other);
                let hint = if near.is_empty() {
                    COMMANDS.join(" ")
                } else {
                    near.join(" ")
                };
                app.flash(format!("unknown view {other:?}: try {hint}"), true)
            }
        },
    }
    fx
}

fn edit(input: &mut String, k: &KeyEvent) -> bool {
    match k.code {
        KeyCode::Char('u') if k.modifiers.contains(KeyModifiers::CONTROL) => input.clear(),
        KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => input.push(c),
        KeyCode::Backspace => {
            input.pop();
        }
        _ => return false,
    }
    true
}

pub(super) fn prompt_key(app: &mut App, p: Prompt, k: KeyEvent) -> Vec<Effect> {
    let cancel = k.code == KeyCode::Esc
        || (k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL));
    if cancel {
        return vec![];
    }
    match p {
        Prompt::Command(mut input) => match k.code {
            KeyCode::Enter => return command(app, &input),
            KeyCode::Tab => {
                if let [one] = complete(input.trim())[..] {
                    input = one.to_string();
                } else if let Some(first) = complete(input.trim()).first() {
                    input = first.to_string();
                }
                app.prompt = Some(Prompt::Command(input));
            }
            _ => {
                edit(&mut input, &k);
                app.prompt = Some(Prompt::Command(input));
            }
        },
        Prompt::Filter(mut input) => {
            if k.code == KeyCode::Enter {
                app.filter = input.trim().to_string();
                if let Some(Err(e)) = app
                    .filter
                    .strip_prefix("-l")
                    .map(|s| Selector::parse(s.trim()))
                {
                    app.flash(format!("bad label selector: {e}"), true);
                }
                app.selected = 0;
                app.offset = 0;
                app.dirty = true;
                return vec![];
            }
            edit(&mut input, &k);
            // Filter as you type.
            app.filter = input.trim().to_string();
            app.dirty = true;
            app.prompt = Some(Prompt::Filter(input));
        }
        Prompt::Scale { target, mut input } => {
            if k.code == KeyCode::Enter {
                return match input.trim().parse::<i32>() {
                    Ok(n) if n >= 0 => vec![Effect::Scale {
                        target,
                        replicas: n,
                    }],
                    _ => {
                        app.flash(format!("{input:?} is not a replica count"), true);
                        vec![]
                    }
                };
            }
            if matches!(k.code, KeyCode::Char(c) if !c.is_ascii_digit()) {
                app.prompt = Some(Prompt::Scale { target, input });
                return vec![];
            }
            edit(&mut input, &k);
            app.prompt = Some(Prompt::Scale { target, input });
        }
        Prompt::Confirm { question, effect } => match k.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                if let Effect::Drain(n) = &effect {
                    let title = format!("drain node/{n}");
                    app.page = Some(Page::text(title, ""));
                }
                return vec![effect];
            }
            KeyCode::Char('n') | KeyCode::Char('N') => {}
            _ => app.prompt = Some(Prompt::Confirm { question, effect }),
        },
    }
    vec![]
}
