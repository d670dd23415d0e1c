//! `ork bench tui`: the dashboard at 10,000 pods. Frame time: the app's
//! draw at 160×48 on ratatui's TestBackend, the cursor moving each frame so
//! every frame builds its rows. First frame: a real `ork control` holding
//! the pods, the dashboard's own watch tasks started from nothing, and the
//! time until a frame shows every pod. Idle: CPU the dashboard uses (watch
//! tasks, pulse, once-a-second redraw) while nothing changes.

use super::{ControlProcess, Result, failed, ms, percentile, thousands};
use crate::api::Time;
use crate::tui::app::{App, Msg, update};
use crate::tui::draw::{draw, rows_for};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::Path;
use std::time::{Duration, Instant};

const W: u16 = 160;
const H: u16 = 48;

fn terminal() -> Result<Terminal<TestBackend>> {
    Terminal::new(TestBackend::new(W, H)).map_err(failed)
}

/// CPU time this process has used.
fn cpu_time() -> Duration {
    nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF)
        .map(|u| {
            let t = |tv: nix::sys::time::TimeVal| {
                Duration::new(tv.tv_sec() as u64, tv.tv_usec() as u32 * 1000)
            };
            t(u.user_time()) + t(u.system_time())
        })
        .unwrap_or_default()
}

pub async fn run(dir: &Path, pods: usize) -> Result<()> {
    let cp = ControlProcess::spawn(&dir.join("control"), &[]).await?;
    let client = cp.client()?;
    // The pods, unscheduled (no nodes): what is measured is the dashboard.
    let made = Instant::now();
    let results: Vec<_> = futures::stream::iter(0..pods)
        .map(|i| {
            let c = client.clone();
            async move { c.create(&super::hollow_pod("tui", i)).await }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    for r in results {
        r.map_err(failed)?;
    }
    eprintln!(
        "created {} pods in {:.1} s",
        thousands(pods as u64),
        made.elapsed().as_secs_f64()
    );

    // First frame with every pod, from a cold start.
    let start = Instant::now();
    let mut app = App::new(&cp.url, Some("default".into()));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _effects = crate::tui::io::start(client.clone(), tx, None);
    let mut term = terminal()?;
    let mut first_frame = None;
    let full = loop {
        app.height = rows_for(H);
        app.now = Time::now();
        app.refresh();
        term.draw(|f| draw(&app, f)).map_err(failed)?;
        first_frame.get_or_insert(start.elapsed());
        if app.rows.len() >= pods {
            break start.elapsed();
        }
        let msg = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .map_err(|_| failed("the pods did not arrive within 30 s"))?
            .ok_or_else(|| failed("the dashboard's tasks ended"))?;
        update(&mut app, msg);
        while let Ok(m) = rx.try_recv() {
            update(&mut app, m);
        }
    };

    // Frames at 10,000 pods.
    let mut frames = Vec::with_capacity(600);
    let mut refresh = Vec::with_capacity(20);
    for i in 0..600 {
        app.selected = (i * 97) % app.rows.len().max(1);
        app.offset = app.selected.saturating_sub(10);
        let t = Instant::now();
        term.draw(|f| draw(&app, f)).map_err(failed)?;
        frames.push(t.elapsed());
        if i % 30 == 0 {
            // A data change: the rows are filtered and sorted again.
            app.dirty = true;
            let t = Instant::now();
            app.refresh();
            refresh.push(t.elapsed());
        }
    }
    frames.sort();
    refresh.sort();

    // Idle: nothing changes for 10 s; the app redraws once a second.
    let idle_for = Duration::from_secs(10);
    let cpu0 = cpu_time();
    let t0 = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    while t0.elapsed() < idle_for {
        tokio::select! {
            _ = tick.tick() => { update(&mut app, Msg::Tick); }
            Some(m) = rx.recv() => { update(&mut app, m); }
        }
        app.now = Time::now();
        app.refresh();
        term.draw(|f| draw(&app, f)).map_err(failed)?;
    }
    let idle_cpu = (cpu_time() - cpu0).as_secs_f64() / t0.elapsed().as_secs_f64() * 100.0;

    let n = thousands(pods as u64);
    println!(
        "tui frame at {n} pods, {W}x{H}: p50 {:.2} ms, p99 {:.2} ms (target ≤2 ms)",
        ms(percentile(&frames, 0.5)),
        ms(percentile(&frames, 0.99))
    );
    println!(
        "tui rows recomputed after a change at {n} pods: p50 {:.2} ms, max {:.2} ms",
        ms(percentile(&refresh, 0.5)),
        ms(percentile(&refresh, 1.0))
    );
    println!(
        "tui first frame: {:.0} ms; first frame showing all {n} pods: {:.0} ms (target ≤300 ms)",
        ms(first_frame.unwrap_or_default()),
        ms(full)
    );
    println!(
        "tui idle: {idle_cpu:.2}% of one core over {} s (target: near zero)",
        idle_for.as_secs()
    );
    Ok(())
}
