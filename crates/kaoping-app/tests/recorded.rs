//! An entry recorded before today's form rules keeps counting as it counted then. The rules added by the
//! hardening issue (a count written out, a reason for 不适用, a matter for an award, a group only on a
//! group rule) refuse new entries; a ledger written by an older version must not lose its entries from the
//! scores, silently, when the server is upgraded.

use kaoping_app::App;
use kaoping_core::finding::{FindingError, FindingInput, Resolver};
use kaoping_core::units::Party;
use kaoping_core::Decimal;
use kaoping_store::{NewEntry, Store};

/// Period 2 of the demo: 2024, open, nothing recorded yet.
const PERIOD: i64 = 2;

async fn total_of(app: &App, unit: &str) -> Decimal {
    let admin = app.actor_named("admin").await.expect("admin");
    let snapshot = app.summary(&admin, PERIOD).await.expect("summary");
    let Some(Party::Unit(id)) = snapshot.units.find(unit) else {
        panic!("{unit} is assessed in the demo's 2024");
    };
    snapshot.assessor.results()[id].total
}

#[tokio::test]
async fn an_entry_recorded_with_a_blank_count_still_counts_once_after_an_upgrade() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open_sqlite(dir.path()).await.expect("store");
    kaoping_app::demo::seed(&store).await.expect("demo");
    let app = App::new(store.clone());
    let before = total_of(&app, "D01").await;

    // 1.4.2 is a per-occurrence rule (5 points a time). Today's form refuses a blank count …
    let input = FindingInput {
        unit: "D01",
        code: "1.4.2",
        note: "旧版本录入，次数留空即为1次",
        ..FindingInput::default()
    };
    let admin = app.actor_named("admin").await.expect("admin");
    let snapshot = app.summary(&admin, PERIOD).await.expect("summary");
    let refused = Resolver::new(&snapshot.rubric, false).resolve_known(&snapshot.units, &input, 0);
    assert!(
        matches!(&refused, Err(errors) if errors.iter().any(|e| matches!(e, FindingError::CountRequired { .. }))),
        "{refused:?}"
    );

    // … but an older version stored it so, meaning once.
    let mut tx = store.lock_period(PERIOD).await.expect("lock");
    tx.append(&NewEntry::record(PERIOD, &input, admin.id()))
        .await
        .expect("append");
    tx.commit().await.expect("commit");

    // A process started after the upgrade reads it from the ledger, and so does the running one.
    let upgraded = App::new(Store::open_sqlite(dir.path()).await.expect("store"));
    assert_eq!(before - total_of(&upgraded, "D01").await, Decimal::from(5));
    assert_eq!(before - total_of(&app, "D01").await, Decimal::from(5));
}
