//! `sixtyfour serve`: the enrich-lead API as a service, from `sixtyfour_server::ServeArgs`
//! (the same flags as the `sixtyfour-server` binary), with help on the keys file, the stores
//! and the researchers.

use sixtyfour_server::ServeArgs;

use crate::exit::{CliError, Exit};

/// What `sixtyfour serve --help` prints after the flags.
pub const HELP: &str =
    "Keys file (TOML; SHA-256 of each key, never the key: `printf %s KEY | sha256sum`):
  [[keys]]
  name = \"acme\"
  sha256 = \"<64 hex digits>\"
  rate_limit = 500               # requests per minute (absent: none)
  webhook_secret = \"whsec_acme\"  # signs this key's webhooks (absent: unsigned)
  max_active_jobs = 50           # unfinished jobs at once (absent: none)
  tiers = [\"low\", \"medium\"]      # tiers it may ask for (absent: all)
  credits = 10000                # jobs it may submit (absent: no limit)
  Reloaded on SIGHUP and when the file changes; a broken file keeps the keys in force.

Stores (--store):
  sqlite:PATH                    one file; jobs and results survive restarts (the default)
  postgres://USER@HOST:PORT/DB   shared by several servers on several machines
  memory                         this process only; a restart forgets every job

Researchers (--researcher):
  directory   answers from a JSON Lines file of profiles (--directory; default: a built-in
              fictional sample): deterministic, instant, offline
  web         searches, reads pages politely (robots.txt, per-host delay and concurrency, size
              and time caps, a page budget) and extracts each field with its sources:
                --offline-web DIR                  a fixture web on disk, nothing else reached
                --searxng-url URL                  a SearXNG instance (JSON API enabled)
                --brave-key-env VAR                Brave Search, the key in $VAR
                --llm-base-url URL --llm-model M   optional OpenAI-compatible model, key in
                  [--llm-key-env VAR]              $VAR; every value it gives cites a page

Operations:
  GET /healthz   {\"status\": \"ok\"} while the store answers
  GET /metrics   Prometheus text: jobs per state, finished and failed jobs, research time
                 quantiles, submits, refusals, webhooks
  Ctrl-C or SIGTERM: stop taking requests, put running jobs back in the queue, exit 0.
  Logs on stderr (RUST_LOG, `info` by default).

Exit codes:
  0    stopped by Ctrl-C or SIGTERM
  2    could not start: a flag, the keys file, the store, the address or the researcher
       (the message says which)";

/// Serves until Ctrl-C or SIGTERM.
pub async fn run(args: ServeArgs) -> Result<Exit, CliError> {
    args.run()
        .await
        .map(|()| Exit::Completed)
        .map_err(|err| CliError::Usage(err.to_string()))
}
