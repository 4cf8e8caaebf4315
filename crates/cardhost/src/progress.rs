//! Progress of long CLI work: a bar on a terminal, plain lines elsewhere
//! (a log file or CI keeps one line per tenth of the work, not a redrawn bar).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
    what: &'static str,
    total: u64,
    /// The last tenth a plain line was printed for.
    tenth: u64,
}

impl Progress {
    /// Progress over `total` units of `what` ("cards", "PANs").
    pub fn new(total: u64, what: &'static str) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let template = format!("{{bar:40}} {{pos}}/{{len}} {what}, {{per_sec}}, {{eta}} left");
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template(&template)
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Progress {
            bar,
            what,
            total,
            tenth: 0,
        }
    }

    /// `done` units of the total are done.
    pub fn set(&mut self, done: u64) {
        match &self.bar {
            Some(bar) => bar.set_position(done),
            None => {
                let tenth = (done * 10).checked_div(self.total).unwrap_or(10);
                if tenth > self.tenth {
                    self.tenth = tenth;
                    eprintln!("{done}/{} {}", self.total, self.what);
                }
            }
        }
    }

    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish();
        }
    }
}
