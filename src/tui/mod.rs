//! The live dashboard (`ork tui`): k9s-style views of pods, deployments,
//! replica sets, nodes, events, namespaces and failovers, kept current by
//! watches, with actions (scale, restart, rollback, cordon, drain, delete,
//! logs) on the selected row, and on a cluster of machines (`ork up
//! --machines docker`) the chaos actions of `ork chaos` on the nodes view.
//!
//! Elm-shaped: terminal input and background I/O ([`io`]) become [`app::Msg`]s;
//! [`update::update`] (with [`prompt`] for the bottom line) changes the
//! [`app::App`] and returns effects for [`io`] to run; [`draw::draw`] paints
//! the app; [`keys`] is the keymap both dispatch and help come from. This
//! loop owns the terminal and the clock ([`app::App::now`]) and nothing else.
//! The module imports `api`, `client` and `verbs` (the printers and verbs it
//! shares with the CLI); never `cli`, `control` or `node`.

pub mod app;
pub mod data;
pub mod draw;
pub mod io;
pub mod keys;
pub mod prompt;
#[cfg(test)]
mod tests;
pub mod update;

use crate::api::Time;
use crate::verbs::Ctx;
use crate::verbs::chaos::Runner;
use app::{App, Msg, update};
use clap::Args;
use crossterm::event::{Event, KeyEventKind};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::unbounded_channel;

#[derive(Args, Debug)]
pub struct TuiArgs {
    /// Start with every namespace shown.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// The first view: pods, deploy, rs, nodes, svc, events, ns or failover.
    #[arg(long, default_value = "pods")]
    pub view: String,
}

/// Frames are drawn at most this often while watch events stream in; keys
/// draw at once.
const FRAME: Duration = Duration::from_millis(33);

/// Runs the dashboard until it quits. `chaos` runs the nodes view's chaos
/// actions (`ork chaos`'s own code, handed in by the CLI, which owns the
/// machines), or says why this cluster has none.
pub async fn run(
    ctx: &Ctx,
    a: TuiArgs,
    chaos: Result<Arc<dyn Runner>, String>,
) -> anyhow::Result<()> {
    let ns = if a.all_namespaces {
        None
    } else {
        Some(ctx.namespace.clone())
    };
    let mut app = App::new(ctx.client.server(), ns);
    app.machines = chaos.as_ref().map(|r| r.machines()).map_err(Clone::clone);
    if a.view != "pods" {
        app::command(&mut app, &a.view);
    }
    let (tx, mut rx) = unbounded_channel::<Msg>();
    let effects = io::start(ctx.client.clone(), tx.clone(), chaos.ok());

    // Terminal input on a thread of its own: crossterm's read blocks.
    let keys_tx = tx.clone();
    std::thread::spawn(move || {
        while let Ok(ev) = crossterm::event::read() {
            let msg = match ev {
                Event::Key(k) if k.kind != KeyEventKind::Release => Msg::Key(k),
                Event::Resize(..) => Msg::Tick,
                _ => continue,
            };
            if keys_tx.send(msg).is_err() {
                return;
            }
        }
    });
    let tick_tx = tx.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        loop {
            every.tick().await;
            if tick_tx.send(Msg::Tick).is_err() {
                return;
            }
        }
    });
    drop(tx);

    let mut terminal = ratatui::init();
    let result = async {
        let mut last;
        loop {
            let size = terminal.size()?;
            app.height = draw::rows_for(size.height);
            app.now = Time::now();
            app.refresh();
            terminal.draw(|f| draw::draw(&app, f))?;
            last = Instant::now();
            let msg = match rx.recv().await {
                Some(m) => m,
                None => return Ok(()),
            };
            let mut urgent = matches!(msg, Msg::Key(_) | Msg::Tick);
            for e in update(&mut app, msg) {
                let _ = effects.send(e);
            }
            // Take whatever else is queued before drawing once.
            let deadline = last + FRAME;
            loop {
                let next = if urgent {
                    rx.try_recv().ok()
                } else {
                    match tokio::time::timeout_at(deadline.into(), rx.recv()).await {
                        Ok(Some(m)) => Some(m),
                        Ok(None) => return Ok(()),
                        Err(_) => None,
                    }
                };
                let Some(m) = next else { break };
                urgent |= matches!(m, Msg::Key(_));
                for e in update(&mut app, m) {
                    let _ = effects.send(e);
                }
                if app.quit {
                    break;
                }
            }
            if app.quit {
                return Ok::<(), anyhow::Error>(());
            }
        }
    }
    .await;
    ratatui::restore();
    result
}
