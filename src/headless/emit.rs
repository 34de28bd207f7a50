//! `zdwatch demo --emit N`: a reproducible capture of the demo simulation (both formats, SNS
//! wrapping, duplicate and late deliveries, the payment incidents), for benchmarks, tests and
//! users. The same seed and start give the same bytes.

use std::io::{self, Write};

use jiff::{SignedDuration, Timestamp};

use super::{write_csv_header, write_event};
use crate::cli::OutputFormat;
use zdwatch_core::event::{Received, decode};
use zdwatch_sources::demo::Simulator;

/// Writes the first `n` deliveries of the simulation started at `start` with `seed`.
pub fn emit(
    n: u64,
    seed: u64,
    start: Timestamp,
    format: OutputFormat,
    out: &mut impl Write,
) -> io::Result<()> {
    if format == OutputFormat::Csv {
        write_csv_header(out)?;
    }
    let mut sim = Simulator::new(seed, start);
    let mut t = start;
    let mut written = 0;
    while written < n {
        t = t.checked_add(SignedDuration::from_mins(1)).unwrap_or(t);
        for d in sim.advance(t) {
            if written == n {
                break;
            }
            let e = decode(Received {
                body: d.body,
                message_id: None,
                received_at: d.at,
            });
            write_event(out, &e, format, false)?;
            written += 1;
        }
    }
    Ok(())
}
