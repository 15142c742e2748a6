//! The path the server takes from the ledger to scores: the shipped examples, written into the ledger entry
//! by entry, score exactly as the CSV files do when the active entries are fed to the core's resolver and
//! scorer (with `origin` = the entry id). Both backends.

#[macro_use]
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::Db;
use kaoping_core::finding::Resolver;
use kaoping_core::score::{Scorer, UnitResult};
use kaoping_core::units::Units;
use kaoping_store::*;

on_both!(dongli, jishengju, village);

async fn dongli(db: Db) {
    example(db, "dongli").await
}

async fn jishengju(db: Db) {
    example(db, "jishengju").await
}

async fn village(db: Db) {
    example(db, "village").await
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Unit code → (final score, total, bonus, rank, pass, grade), in code order.
type Summary = BTreeMap<String, (String, String, String, usize, Option<bool>, Option<usize>)>;

fn summary(units: &Units, results: &[UnitResult]) -> Summary {
    results
        .iter()
        .map(|r| {
            (
                units.unit(r.unit).code.clone(),
                (
                    r.final_score.normalize().to_string(),
                    r.total.normalize().to_string(),
                    r.bonus.normalize().to_string(),
                    r.rank,
                    r.pass,
                    r.grade,
                ),
            )
        })
        .collect()
}

async fn example(db: Db, name: &str) {
    let s = &db.store;
    let toml = std::fs::read_to_string(root().join(format!("rubrics/{name}-2023.toml"))).unwrap();
    let rubric = kaoping_formats::parse_rubric(name, &toml).unwrap();
    let units_csv = std::fs::read(root().join(format!("examples/{name}-units.csv"))).unwrap();
    let findings = std::fs::read(root().join(format!("examples/{name}-findings.csv"))).unwrap();
    let csv_units = kaoping_formats::read_units(name, &units_csv[..]).unwrap();
    let expected = kaoping_formats::score_findings(
        &rubric,
        &mut csv_units.clone(),
        false,
        name,
        &findings[..],
        false,
    )
    .unwrap();
    let expected = summary(&csv_units, &expected);

    // The same data in the store: the units, the rubric version, a period, and one ledger entry per row.
    let admin = s
        .create_user(&NewUser {
            username: "admin".into(),
            display_name: "管理员".into(),
            password_hash: "x".into(),
            role: Role::Admin,
            department_id: None,
            unit_id: None,
            must_change_password: false,
        })
        .await
        .unwrap();
    let mut unit_ids = Vec::new();
    for u in csv_units.units() {
        let member_of = u
            .groups
            .iter()
            .map(|&g| csv_units.group(g).code.clone())
            .collect();
        unit_ids.push(
            s.create_org_unit(&NewOrgUnit {
                code: u.code.clone(),
                name: u.name.clone(),
                parent_id: None,
                kind: OrgKind::Unit,
                ranking_group: u.ranking_group.clone(),
                member_of,
            })
            .await
            .unwrap(),
        );
    }
    let version = s.save_rubric(name, &toml, admin).await.unwrap();
    let period = s
        .create_period(&NewPeriod {
            name: format!("{name} 2023"),
            year: 2023,
            rubric_id: version.id,
            unit_ids,
        })
        .await
        .unwrap();
    let mut rows = Vec::new();
    kaoping_formats::read_findings(name, &findings[..], |input, _line| {
        rows.push(NewEntry::record(period, input, admin));
        Ok(())
    })
    .unwrap();
    for row in &rows {
        s.append_entry(row).await.unwrap();
    }

    let got = score_period(s, period).await;
    assert_eq!(got, expected, "{name}: ledger and CSV score the same");
    // Another server process on the same database derives the same scores.
    let other = Store::connect(&db.url).await.unwrap();
    assert_eq!(score_period(&other, period).await, expected);
    other.close().await;

    // Withdrawing an entry and recording it again changes nothing either: only active entries count.
    let first = s.active_entries(period, Source::Assessor).await.unwrap()[0].clone();
    s.append_entry(&NewEntry {
        kind: EntryKind::Withdraw,
        replaces: Some(first.id),
        reason: "重复".into(),
        ..rows[0].clone()
    })
    .await
    .unwrap();
    s.append_entry(&rows[0]).await.unwrap();
    assert_eq!(score_period(s, period).await, expected);
}

/// What the server does: the period's rubric version and units, its active entries resolved with the
/// entry id as origin, scored.
async fn score_period(s: &Store, period: i64) -> Summary {
    let p = s.period(period).await.unwrap();
    let toml = s.rubric(p.rubric_id).await.unwrap().toml;
    let rubric = kaoping_formats::parse_rubric("rubric", &toml).unwrap();
    let mut units = s.scoring_units(period).await.unwrap();
    let resolver = Resolver::new(&rubric, false);
    let mut scorer = Scorer::new(&rubric);
    for entry in s.active_entries(period, Source::Assessor).await.unwrap() {
        let input = entry.finding_input();
        let finding = resolver
            .resolve(&mut units, &input, entry.id as u64)
            .unwrap_or_else(|e| panic!("entry {}: {e:?}", entry.id));
        scorer.add(&units, finding).unwrap();
    }
    let results = scorer.finish(&units);
    summary(&units, &results)
}
