//! 记录本 at the application's edge, on fixed days: publishing closes the year (the deductions still
//! pending become ledger entries in the publishing transaction), and a projected score near or under the
//! pass mark is a warning.

use kaoping_app::{App, Clock, FindingDraft, Level, RecordDraft};
use kaoping_core::date::Date;
use kaoping_core::Decimal;
use kaoping_store::{NoticeHeading, Store};

fn day(s: &str) -> Date {
    s.parse().expect("a test day")
}

async fn demo(scheme: kaoping_app::demo::DemoScheme, today: &str) -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open_sqlite(dir.path()).await.expect("store");
    assert!(kaoping_app::demo::seed_scheme(&store, scheme)
        .await
        .expect("demo"));
    (dir, App::new(store).with_clock(Clock::Fixed(day(today))))
}

#[tokio::test]
async fn publishing_confirms_what_the_record_book_still_owes() {
    let (_dir, app) = demo(kaoping_app::demo::DemoScheme::Dongli, "2025-01-10").await;
    let admin = app.actor_named("admin").await.expect("admin");
    let d01 = app.actor_named("d01").await.expect("d01");
    // D01 holds its 干部政治学习 every month but March; every other unit keeps nothing in Kaoping, so
    // they owe the whole year of every kind.
    for month in (1..=12).filter(|m| *m != 3) {
        let draft = RecordDraft {
            unit: "D01".into(),
            kind: "干部政治学习".into(),
            date: Date::new(2024, month, 9),
            topic: "学习".into(),
            ..RecordDraft::default()
        };
        app.keep_record(&d01, 2, draft, None).await.expect("kept");
    }
    // Items scored by judgement need an entry for every unit before publication: full marks here.
    let summary = app.summary(&admin, 2).await.expect("summary");
    for unit in summary.units.units() {
        for rule in summary.rubric.rules() {
            if rule.kind != kaoping_core::rubric::RuleKind::Discretionary {
                continue;
            }
            let draft = FindingDraft {
                unit: unit.code.clone(),
                code: rule.code.clone(),
                points: Some(summary.rubric.items()[rule.item].max),
                note: "工作突出".into(),
                ..FindingDraft::default()
            };
            app.record(&admin, 2, draft, None).await.expect("judged");
        }
    }
    let publication = app
        .publish(&admin, 2, "年度考评结束", &NoticeHeading::default())
        .await
        .expect("published");
    assert_eq!(publication.revision, 1);

    let entries = app
        .store()
        .active_entries(2, kaoping_store::Source::Assessor)
        .await
        .expect("entries");
    let of = |unit: &str, code: &str| {
        entries
            .iter()
            .find(|e| e.unit_code == unit && e.code == code)
            .cloned()
    };
    let study = of("D01", "2.1.1").expect("D01's missed March is in the ledger");
    assert_eq!(study.count, Some(1));
    assert!(
        study.note.contains("干部政治学习：2024年3月"),
        "{}",
        study.note
    );
    let study = of("D02", "2.1.1").expect("D02 kept nothing");
    assert_eq!(study.count, Some(12));
    // The published scores count them: 2.1 is 5 − 2 for D01, 0 for D02 (12 × 2 capped at 5).
    let results = app.summary(&admin, 2).await.expect("summary");
    let item = results
        .rubric
        .items()
        .iter()
        .position(|i| i.code == "2.1")
        .unwrap();
    let score = |code: &str| {
        let u = results.unit_id(code).unwrap();
        results.assessor.results()[u].items[item].score
    };
    assert_eq!(score("D01"), Some(Decimal::from(3)));
    assert_eq!(score("D02"), Some(Decimal::ZERO));
    // A published year warns of nothing.
    assert!(app
        .warnings(&admin, 2)
        .await
        .expect("warnings")
        .warnings
        .is_empty());
}

#[tokio::test]
async fn a_projected_score_under_the_pass_mark_is_red_and_near_it_yellow() {
    // Scheme B: pass mark 60.
    let (_dir, app) = demo(kaoping_app::demo::DemoScheme::Village, "2024-07-21").await;
    let admin = app.actor_named("admin").await.expect("admin");
    let open = app
        .dashboard(&admin)
        .await
        .expect("dashboard")
        .cards
        .into_iter()
        .find(|c| !c.snapshot.published())
        .expect("an open year")
        .snapshot;
    let period = open.period.id;
    let before = app.warnings(&admin, period).await.expect("warnings");
    assert!(
        before.warnings.is_empty(),
        "nothing recorded, nothing projected low"
    );
    // Deduct whole items of one village until its projection falls near, then under, 60.
    let rubric = &open.rubric;
    let unit = open.units.unit(0).code.clone();
    let zeroes: Vec<(String, String, usize, Decimal)> = rubric
        .rounds()
        .iter()
        .rev()
        .flat_map(|round| {
            rubric
                .rules()
                .iter()
                .filter(|r| r.kind == kaoping_core::rubric::RuleKind::Zero)
                .map(move |r| {
                    (
                        round.code.clone(),
                        r.code.clone(),
                        r.item,
                        rubric.items()[r.item].max * round.weight,
                    )
                })
        })
        .collect();
    let mut lost = Decimal::ZERO;
    let mut seen_yellow = false;
    let mut zeroed = std::collections::HashSet::new();
    for (round, code, item, max) in zeroes {
        // A second zero rule on an item zeroes it again, losing nothing more.
        if !zeroed.insert((round.clone(), item)) {
            continue;
        }
        let draft = FindingDraft {
            unit: unit.clone(),
            code,
            round,
            note: "未开展".into(),
            ..FindingDraft::default()
        };
        if app.record(&admin, period, draft, None).await.is_err() {
            continue;
        }
        lost += max;
        let board = app.warnings(&admin, period).await.expect("warnings");
        let w = board.warnings.iter().find(|w| w.unit == unit);
        let projected = Decimal::from(100) - lost;
        match w {
            None => assert!(projected >= Decimal::from(65), "{projected}"),
            Some(w) if w.level == Level::Yellow => {
                seen_yellow = true;
                assert!(
                    w.reasons[0].text.contains("接近合格线60"),
                    "{:?}",
                    w.reasons
                );
            }
            Some(w) => {
                assert!(
                    w.reasons[0].text.contains("低于合格线60"),
                    "{:?}",
                    w.reasons
                );
                assert!(seen_yellow || projected < Decimal::from(60));
                return;
            }
        }
    }
    panic!("the village never went under the pass mark: lost {lost}");
}

#[tokio::test]
async fn the_daily_digest_says_what_became_due_that_day() {
    let (_dir, app) = demo(kaoping_app::demo::DemoScheme::Dongli, "2024-07-01").await;
    let d01 = app.actor_named("d01").await.expect("d01");
    // D01 held its 支委会 in April only: May and June are missed.
    let draft = RecordDraft {
        unit: "D01".into(),
        kind: "支委会".into(),
        date: Date::new(2024, 4, 8),
        topic: "四月支委会".into(),
        ..RecordDraft::default()
    };
    app.keep_record(&d01, 2, draft, None).await.expect("kept");
    let digest = app
        .daily_digest(day("2024-07-01"))
        .await
        .expect("digest")
        .expect("June ended yesterday: something to say");
    let lines: Vec<&String> = digest.sections.iter().flat_map(|(_, l)| l).collect();
    assert!(
        digest
            .sections
            .iter()
            .any(|(h, _)| h == "2024年度党建工作考评 · 党工部"),
        "{digest:?}"
    );
    assert!(
        lines.contains(&&"红色：供电车间党支部 支委会：2024年6月没有记录".to_string()),
        "{lines:?}"
    );
    // May's miss was said on 1 June, not again; nor is a month not yet over.
    assert!(
        lines
            .iter()
            .all(|l| !l.contains("2024年5月") && !l.contains("2024年7月")),
        "{lines:?}"
    );
    // The next day nothing new has become due.
    assert!(app
        .daily_digest(day("2024-07-02"))
        .await
        .expect("digest")
        .is_none());
}
