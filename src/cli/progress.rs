//! How events look to a person (indicatif bars on stderr) or to a program (JSON lines on stdout).

use std::io::Write;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use l2mac::control::{Event, EventSink};

/// One JSON object per event per line on stdout.
pub struct JsonLines;

impl EventSink for JsonLines {
    fn emit(&self, event: &Event) {
        if let Ok(line) = serde_json::to_string(event) {
            let mut out = std::io::stdout().lock();
            // A closed pipe must not kill the run; the state on disk is the record.
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    }
}

/// A step bar with the current turn and token count, plus printed milestones.
pub struct Bars {
    bar: Mutex<Option<ProgressBar>>,
}

impl Bars {
    pub fn new() -> Self {
        Self {
            bar: Mutex::new(None),
        }
    }

    fn with_bar(&self, f: impl FnOnce(&ProgressBar)) {
        if let Ok(guard) = self.bar.lock() {
            if let Some(bar) = guard.as_ref() {
                f(bar);
            }
        }
    }

    fn println(&self, text: String) {
        let mut printed = false;
        self.with_bar(|b| {
            b.println(&text);
            printed = true;
        });
        if !printed {
            eprintln!("{text}");
        }
    }
}

impl EventSink for Bars {
    fn emit(&self, event: &Event) {
        match event {
            Event::RunStarted { run_dir, resumed } => self.println(format!(
                "{} run in {run_dir}",
                if *resumed { "resuming" } else { "starting" }
            )),
            Event::Planned { steps } => {
                let mut text = format!("plan ({} steps):", steps.len());
                for (i, s) in steps.iter().enumerate() {
                    text.push_str(&format!("\n  {}. {}", i + 1, s));
                }
                self.println(text);
                let bar = ProgressBar::with_draw_target(
                    Some(steps.len() as u64),
                    ProgressDrawTarget::stderr(),
                );
                bar.set_style(
                    ProgressStyle::with_template("[{elapsed_precise}] step {pos}/{len} {wide_msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                if let Ok(mut guard) = self.bar.lock() {
                    *guard = Some(bar);
                }
            }
            Event::StepStarted { index, total, text } => {
                if let Ok(mut guard) = self.bar.lock() {
                    if guard.is_none() {
                        let bar = ProgressBar::with_draw_target(
                            Some(*total as u64),
                            ProgressDrawTarget::stderr(),
                        );
                        *guard = Some(bar);
                    }
                }
                self.with_bar(|b| {
                    b.set_length(*total as u64);
                    b.set_position(*index as u64);
                    b.set_message(text.chars().take(60).collect::<String>());
                });
            }
            Event::ModelCall {
                step,
                turn,
                total_tokens,
                ..
            } => self.with_bar(|b| {
                if let Some(s) = step {
                    b.set_message(format!("step {} turn {turn}, {total_tokens} tokens", s + 1));
                }
            }),
            Event::ToolResult {
                tool,
                is_error: true,
                preview,
                ..
            } => self.println(format!("  {tool}: {preview}")),
            Event::EditsApplied {
                step,
                is_error: true,
                preview,
            } => self.println(format!("  step {}: {preview}", step + 1)),
            Event::CandidatesScored { step, scores, kept } if scores.len() > 1 => {
                self.println(format!(
                    "  step {}: kept candidate {} of {} ({})",
                    step + 1,
                    kept + 1,
                    scores.len(),
                    scores.get(*kept).map(String::as_str).unwrap_or_default()
                ))
            }
            Event::ContextRestart { step, restart } => self.println(format!(
                "  step {}: context full, restarted from a summary ({restart})",
                step + 1
            )),
            Event::LoopDetected { step, .. } => self.println(format!(
                "  step {}: repeated replies, raising temperature",
                step + 1
            )),
            Event::StepFinished {
                index,
                completed,
                summary,
            } => {
                self.with_bar(|b| b.set_position(*index as u64 + 1));
                self.println(format!(
                    "step {} {}: {}",
                    index + 1,
                    if *completed { "done" } else { "FAILED" },
                    summary
                ));
            }
            Event::Warning { message } => self.println(format!("warning: {message}")),
            Event::RunFinished { report } => {
                self.with_bar(|b| b.finish_and_clear());
                eprintln!("{}", report.render());
            }
            _ => {}
        }
    }
}
