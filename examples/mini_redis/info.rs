//! The server's counters, and `INFO [section]`, which shows them as Redis's `# Stats`.

use std::cell::Cell;

use crate::commands::Args;
use crate::{resp, Shared};

/// Counters every connection adds to, named as in Redis's `INFO stats` (the last one is
/// mini_redis's own).
#[derive(Default)]
pub struct Stats {
    pub total_connections_received: Cell<u64>,
    pub total_commands_processed: Cell<u64>,
    pub total_net_input_bytes: Cell<u64>,
    pub total_reads_processed: Cell<u64>,
    pub client_query_buffer_limit_disconnections: Cell<u64>,
    /// Bytes the request parsers looked at while searching for line ends: at most
    /// `total_net_input_bytes`, however slowly requests arrive.
    pub parser_scanned_bytes: Cell<u64>,
}

/// Adds `n` to `counter`.
pub fn add(counter: &Cell<u64>, n: u64) {
    counter.set(counter.get() + n);
}

impl Stats {
    fn section(&self) -> String {
        let fields = [
            (
                "total_connections_received",
                &self.total_connections_received,
            ),
            ("total_commands_processed", &self.total_commands_processed),
            ("total_net_input_bytes", &self.total_net_input_bytes),
            ("total_reads_processed", &self.total_reads_processed),
            (
                "client_query_buffer_limit_disconnections",
                &self.client_query_buffer_limit_disconnections,
            ),
            ("parser_scanned_bytes", &self.parser_scanned_bytes),
        ];
        let mut text = String::from("# Stats\r\n");
        for (name, counter) in fields {
            text.push_str(&format!("{name}:{}\r\n", counter.get()));
        }
        text
    }
}

/// `INFO [section]`: the `# Stats` section (for `stats`, `default`, `all`, `everything` or
/// no section), empty for any other section.
pub fn info(shared: &Shared, args: &Args<'_>, out: &mut Vec<u8>) {
    let section = args
        .iter()
        .nth(1)
        .unwrap_or(b"default")
        .to_ascii_lowercase();
    let text = match &section[..] {
        b"stats" | b"default" | b"all" | b"everything" => shared.stats.section(),
        _ => String::new(),
    };
    resp::bulk(out, Some(text.as_bytes()));
}
