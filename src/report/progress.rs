//! The progress bar on stderr for long inputs: drawn only when stderr is a terminal that can move
//! its cursor (not `TERM=dumb`), silent otherwise.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub struct Progress {
    bar: Option<ProgressBar>,
    stop: Arc<AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

/// Inputs smaller than this finish before a bar is worth drawing.
const MIN_BYTES: u64 = 64 << 20;

/// Whether to draw: asked for, a large input, stderr a terminal, and one that can redraw a line
/// (a `TERM=dumb` terminal, an editor's shell or a `script` log, shows every cursor control as
/// text).
fn wanted(enabled: bool, total: u64, terminal: bool, term: Option<&std::ffi::OsStr>) -> bool {
    enabled && total >= MIN_BYTES && terminal && term.is_none_or(|t| t != "dumb")
}

impl Progress {
    /// Starts a byte-count bar fed from `counter` when `enabled`, stderr is a terminal and the input
    /// is large.
    pub fn start(enabled: bool, total: u64, counter: Arc<AtomicU64>) -> Progress {
        let stop = Arc::new(AtomicBool::new(false));
        if !wanted(
            enabled,
            total,
            std::io::stderr().is_terminal(),
            std::env::var_os("TERM").as_deref(),
        ) {
            return Progress {
                bar: None,
                stop,
                ticker: None,
            };
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} reading [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        let b = bar.clone();
        let s = stop.clone();
        let ticker = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                b.set_position(counter.load(Ordering::Relaxed));
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        Progress {
            bar: Some(bar),
            stop,
            ticker: Some(ticker),
        }
    }

    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn no_bar_on_a_dumb_terminal() {
        let big = MIN_BYTES;
        assert!(wanted(true, big, true, Some(OsStr::new("xterm-256color"))));
        assert!(wanted(true, big, true, None));
        assert!(!wanted(true, big, true, Some(OsStr::new("dumb"))));
        assert!(!wanted(true, big, false, Some(OsStr::new("xterm"))));
        assert!(!wanted(false, big, true, None));
        assert!(!wanted(true, big - 1, true, None));
    }
}
