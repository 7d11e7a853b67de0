//! Run history in an embedded SQLite database (`reports/history.sqlite`): one row per run and
//! per vendor, so reports can show each vendor's health over the last runs and
//! `pixelaudit history <site>` can list them.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{params, Connection};

use pixelaudit_core::model::{HitKind, Severity};
use pixelaudit_core::report::{Report, RunSummary, VendorPoint};

/// The history database.
pub struct History {
    db: Connection,
}

impl History {
    /// Opens (creating if needed) `<reports_dir>/history.sqlite`.
    pub fn open(reports_dir: &Path) -> rusqlite::Result<History> {
        std::fs::create_dir_all(reports_dir)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        let db = Connection::open(reports_dir.join("history.sqlite"))?;
        db.execute_batch(
            "CREATE TABLE IF NOT EXISTS runs (
                id INTEGER PRIMARY KEY,
                site TEXT NOT NULL,
                started_at TEXT NOT NULL,
                pages INTEGER NOT NULL,
                events INTEGER NOT NULL,
                errors INTEGER NOT NULL,
                warnings INTEGER NOT NULL,
                regressions INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS runs_by_site ON runs (site, started_at);
            CREATE TABLE IF NOT EXISTS vendor_runs (
                run_id INTEGER NOT NULL REFERENCES runs (id),
                vendor TEXT NOT NULL,
                events INTEGER NOT NULL,
                errors INTEGER NOT NULL
            );",
        )?;
        Ok(History { db })
    }

    /// Records a run.
    pub fn record(&mut self, report: &Report) -> rusqlite::Result<()> {
        let tx = self.db.transaction()?;
        let s = &report.summary;
        let regressions = report
            .regressions
            .as_ref()
            .map_or(0, |r| r.new_findings.len() + r.lost_events.len());
        tx.execute(
            "INSERT INTO runs (site, started_at, pages, events, errors, warnings, regressions) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![report.site, report.started_at.to_rfc3339(), s.pages as i64, s.events as i64, s.errors as i64, s.warnings as i64, regressions as i64],
        )?;
        let run_id = tx.last_insert_rowid();
        let mut vendors: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
        for page in &report.pages {
            for hit in page.hits.iter().filter(|h| h.hit.kind == HitKind::Event) {
                vendors.entry(hit.hit.vendor.as_str()).or_default().0 += 1;
            }
            for finding in page
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
            {
                if let Some(vendor) = finding.vendor {
                    vendors.entry(vendor.as_str()).or_default().1 += 1;
                }
            }
        }
        for (vendor, (events, errors)) in vendors {
            tx.execute(
                "INSERT INTO vendor_runs (run_id, vendor, events, errors) VALUES (?1, ?2, ?3, ?4)",
                params![run_id, vendor, events, errors],
            )?;
        }
        tx.commit()
    }

    /// The site's last `limit` runs, newest first.
    pub fn runs(&self, site: &str, limit: usize) -> rusqlite::Result<Vec<RunSummary>> {
        let mut stmt = self.db.prepare(
            "SELECT started_at, pages, events, errors, warnings, regressions FROM runs
             WHERE site = ?1 ORDER BY started_at DESC, id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![site, limit as i64], |row| {
            Ok(RunSummary {
                started_at: row.get(0)?,
                pages: row.get(1)?,
                events: row.get(2)?,
                errors: row.get(3)?,
                warnings: row.get(4)?,
                regressions: row.get(5)?,
            })
        })?;
        rows.collect()
    }

    /// Each vendor's events and errors over the site's last `limit` runs, oldest first.
    pub fn vendor_health(
        &self,
        site: &str,
        limit: usize,
    ) -> rusqlite::Result<BTreeMap<String, Vec<VendorPoint>>> {
        let mut stmt = self.db.prepare(
            "SELECT r.started_at, v.vendor, v.events, v.errors FROM vendor_runs v JOIN runs r ON r.id = v.run_id
             WHERE r.id IN (SELECT id FROM runs WHERE site = ?1 ORDER BY started_at DESC, id DESC LIMIT ?2)
             ORDER BY r.started_at, r.id",
        )?;
        let mut health: BTreeMap<String, Vec<VendorPoint>> = BTreeMap::new();
        let rows = stmt.query_map(params![site, limit as i64], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, i64>(3)?,
            ))
        })?;
        for row in rows {
            let (started_at, vendor, events, errors) = row?;
            health.entry(vendor).or_default().push(VendorPoint {
                started_at,
                events,
                errors,
            });
        }
        Ok(health)
    }
}
