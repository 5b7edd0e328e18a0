//! Timed steps: a `==> name` header before each, its duration after, a summary at the end.

use std::time::{Duration, Instant};

use anyhow::Result;

#[derive(Debug)]
pub struct Steps {
    started: Instant,
    done: Vec<(String, Duration, bool)>,
}

impl Steps {
    pub fn new() -> Steps {
        Steps { started: Instant::now(), done: Vec::new() }
    }

    /// Runs one step. On failure prints the summary so far and returns the error with the step's
    /// name, so the caller can stop right there.
    pub fn run<T>(&mut self, name: &str, step: impl FnOnce() -> Result<T>) -> Result<T> {
        println!("==> {name}");
        let started = Instant::now();
        let result = step();
        let took = started.elapsed();
        self.done.push((name.to_owned(), took, result.is_ok()));
        match result {
            Ok(value) => {
                println!("    {name}: ok in {}", seconds(took));
                Ok(value)
            }
            Err(error) => {
                println!("    {name}: FAILED after {}", seconds(took));
                self.summary();
                Err(error.context(format!("step `{name}` failed: fix it, then run the same command again")))
            }
        }
    }

    /// Prints every step's duration and the total.
    pub fn summary(&self) {
        let width = self.done.iter().map(|(name, ..)| name.len()).max().unwrap_or(0);
        println!("==> summary");
        for (name, took, ok) in &self.done {
            let mark = if *ok { "ok" } else { "FAILED" };
            println!("    {name:<width$}  {:>8}  {mark}", seconds(*took));
        }
        println!("    {:<width$}  {:>8}", "total", seconds(self.started.elapsed()));
    }
}

fn seconds(duration: Duration) -> String {
    format!("{:.1}s", duration.as_secs_f64())
}
