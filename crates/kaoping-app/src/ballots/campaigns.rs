//! Running a campaign: creating it (every problem at once), seeing it (counts while the vote is on, the
//! tally once closed), paper slips, and closing it into ledger entries.

use std::collections::BTreeMap;

use kaoping_core::ballot::{Campaign, CampaignProblem, Tally};
use kaoping_core::finding::FindingInput;
use kaoping_core::rubric::{Coded, RuleKind};
use kaoping_core::Decimal;
use kaoping_store::{
    CampaignRow, CampaignStatus, CodeCounts, Entry, NewCampaign, NewEntry, Source, StoredBallot,
};

use crate::actor::Actor;
use crate::error::AppError;
use crate::findings::LOCKED;
use crate::period::check::Work;
use crate::period::Snapshot;
use crate::permissions::Action;
use crate::App;

use super::codes::ballot_id;
use super::input::{problems_message, CampaignInput, PaperSlip};
use super::stored::{ratings_json, stored_campaign, tally_of};
use crate::audit::AuditAction;

/// A class with its codes' state.
#[derive(Debug, Clone)]
pub struct ClassView {
    pub name: String,
    pub weight: Decimal,
    pub voters: u32,
    pub codes: CodeCounts,
}

/// A campaign as its page and the API show it: participation and the tally, never a single ballot.
#[derive(Debug, Clone)]
pub struct CampaignView {
    pub row: CampaignRow,
    pub input: CampaignInput,
    pub campaign: Campaign,
    pub period_name: String,
    pub published: bool,
    /// The rule's label (`8.1 民主评议`).
    pub rule_label: String,
    /// Candidates' names, in the campaign's order.
    pub names: Vec<String>,
    pub classes: Vec<ClassView>,
    pub tally: Tally,
    /// Whether the actor may issue codes, enter paper slips and close it.
    pub may_run: bool,
}

impl CampaignView {
    pub fn issued(&self) -> i64 {
        self.classes.iter().map(|c| c.codes.issued).sum()
    }

    pub fn used(&self) -> i64 {
        self.classes.iter().map(|c| c.codes.used()).sum()
    }

    pub fn open(&self) -> bool {
        self.row.status == CampaignStatus::Open
    }

    /// Whether enough of the issued codes have voted to close.
    pub fn quorum_met(&self) -> bool {
        let issued = self.issued();
        issued > 0
            && Decimal::from(self.used()) >= Decimal::from(issued) * self.campaign.spec().quorum
    }

    /// The tally of one candidate in words (the score sheet's trace).
    pub fn explain(&self, candidate: usize) -> String {
        self.campaign.explain(&self.tally, candidate)
    }
}

/// Most paper slips in one submission.
const MAX_PAPER_SLIPS: usize = 10_000;

/// The rule a campaign feeds: a conversion rule of the period's rubric, read once for everything a
/// campaign asks of it.
pub(super) struct ConversionRule<'s> {
    /// `8.1 民主评议`.
    pub label: String,
    /// The department that owns its item (runs its campaigns).
    pub owner: Option<&'s str>,
    pub scale_min: Decimal,
    pub scale_max: Decimal,
    /// Campaigns (sittings) a period: the raw scores the rule expects, one when it does not say.
    pub sittings: usize,
}

/// The conversion rule `code` names, or why it cannot take a campaign's results.
pub(super) fn conversion_rule<'s>(
    snapshot: &'s Snapshot,
    code: &str,
) -> Result<ConversionRule<'s>, String> {
    let rubric = &snapshot.rubric;
    let code = code.trim();
    let Some(Coded::Rule(r)) = rubric.lookup(code) else {
        return Err(format!("考评细则中没有规则“{code}”"));
    };
    let rule = &rubric.rules()[r];
    match rule.kind {
        RuleKind::Conversion {
            scale_min,
            scale_max,
            expected,
            ..
        } => Ok(ConversionRule {
            label: format!("{} {}", rule.code, rubric.items()[rule.item].title),
            owner: snapshot.owner(code),
            scale_min,
            scale_max,
            sittings: expected.map_or(1, |n| n as usize),
        }),
        _ => Err(format!(
            "{code}不是折合得分的规则，评议结果只能计入折合得分规则"
        )),
    }
}

impl App {
    /// The campaigns of a period the actor may see.
    pub async fn campaigns(
        &self,
        actor: &Actor,
        period_id: i64,
    ) -> Result<Vec<CampaignRow>, AppError> {
        let snapshot = self.snapshot(period_id, |_| true, "").await?;
        let rows = self.store.campaigns(period_id).await?;
        Ok(rows
            .into_iter()
            .filter(|r| {
                actor.may(Action::ViewBallot {
                    owner: snapshot.owner(&r.rule_code),
                })
            })
            .collect())
    }

    /// Creates a campaign: every problem listed at once, nothing saved unless all is well.
    ///
    /// # Errors
    /// 403 unless the actor runs ballots for the rule's department; 409 on a published period or a
    /// title already used in the period; 422 with every problem, a line each.
    pub async fn create_campaign(
        &self,
        actor: &Actor,
        period_id: i64,
        mut input: CampaignInput,
    ) -> Result<i64, AppError> {
        // Before the rule is known: only administrators and assessors of a department run ballots.
        let may_run_any = actor.may(Action::Administer)
            || (actor.role() == kaoping_store::Role::Assessor && actor.department.is_some());
        if !may_run_any {
            return Err(AppError::Forbidden(
                "只有管理员或评分项所属部门的考核员可以组织评议".into(),
            ));
        }
        let (mut tx, snapshot) = self.begin(period_id).await?;
        if snapshot.published() {
            return Err(AppError::Conflict(LOCKED.into()));
        }
        let mut problems = Vec::new();
        input.code = input.code.trim().to_string();
        input.round = input.round.trim().to_string();
        let rule = conversion_rule(&snapshot, &input.code)
            .map_err(|message| {
                problems.push(CampaignProblem {
                    path: "code".into(),
                    message,
                })
            })
            .ok();
        if let Some(ConversionRule { owner, .. }) = &rule {
            actor.require(
                Action::RunBallot { owner: *owner },
                &format!(
                    "只能为本部门负责的评分项组织评议{}",
                    owner
                        .map(|o| format!("（该项由“{o}”负责）"))
                        .unwrap_or_default()
                ),
            )?;
        }
        if input.candidates.is_empty() {
            input.candidates = snapshot
                .units
                .units()
                .iter()
                .map(|u| u.code.clone())
                .collect();
        }
        for (i, c) in input.candidates.iter().enumerate() {
            if snapshot.unit_id(c.trim()).is_none() {
                problems.push(CampaignProblem {
                    path: format!("candidates[{i}]"),
                    message: format!("“{}”不是本考评期的被考核单位（人员）", c.trim()),
                });
            }
        }
        let rounds = snapshot.rubric.rounds();
        if !input.round.is_empty() && !rounds.iter().any(|r| r.code == input.round) {
            problems.push(CampaignProblem {
                path: "round".into(),
                message: format!(
                    "考评细则中没有轮次“{}”（有：{}）",
                    input.round,
                    rounds
                        .iter()
                        .map(|r| r.code.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            });
        } else if input.round.is_empty() && rounds.len() > 1 {
            problems.push(CampaignProblem {
                path: "round".into(),
                message: format!(
                    "请选择轮次（{}）",
                    rounds
                        .iter()
                        .map(|r| r.code.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            });
        }
        let campaign = match input.campaign() {
            Ok(c) => Some(c),
            Err(p) => {
                problems.extend(p);
                None
            }
        };
        if let (Some(c), Some(rule)) = (&campaign, &rule) {
            let (lo, hi) = c.scale().range();
            if lo < rule.scale_min || hi > rule.scale_max {
                problems.push(CampaignProblem {
                    path: "scale".into(),
                    message: format!(
                        "评议分值{}～{}超出规则{}的原始分范围{}～{}",
                        lo.normalize(),
                        hi.normalize(),
                        input.code,
                        rule.scale_min.normalize(),
                        rule.scale_max.normalize()
                    ),
                });
            }
        }
        let (Some(campaign), true) = (campaign, problems.is_empty()) else {
            return Err(AppError::Invalid(problems_message(&problems)));
        };
        // Stored as the core normalized it (trimmed names, the candidates filled in).
        input.title = campaign.title().to_string();
        input.candidates = campaign.candidates().to_vec();
        let settings =
            serde_json::to_string(&input).map_err(|e| AppError::Internal(e.to_string()))?;
        let id = tx
            .create_campaign(&NewCampaign {
                period_id,
                title: input.title.clone(),
                rule_code: input.code.clone(),
                round: input.round.clone(),
                settings,
                created_by: actor.id(),
            })
            .await?;
        tx.audit(
            Some(actor.id()),
            AuditAction::BallotCampaign.key(),
            &format!(
                "新建评议#{id}“{}”：{}，候选人{}名，评议人{}名",
                input.title,
                input.code,
                campaign.candidates().len(),
                campaign.voters()
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A campaign with its participation and tally.
    ///
    /// # Errors
    /// 404 for no such campaign; 403 for an actor who may not see it.
    pub async fn campaign(&self, actor: &Actor, id: i64) -> Result<CampaignView, AppError> {
        let row = self.store.campaign(id).await?;
        let snapshot = self.snapshot(row.period_id, |_| true, "").await?;
        let owner = snapshot.owner(&row.rule_code);
        actor.require(Action::ViewBallot { owner }, "无权查看该评议")?;
        let may_run = actor.may(Action::RunBallot { owner });
        let (input, campaign) = stored_campaign(&row)?;
        let counts = self.store.code_counts(id).await?;
        let stored = self.store.ballots(id).await?;
        let mut tally = tally_of(&campaign, &stored)?;
        if row.status == CampaignStatus::Open {
            // Nobody sees ratings while the vote is on: watched between two votes of a small class, a
            // class mean would show how one person voted. Counts only, until the close.
            tally.candidates.clear();
        }
        Ok(self.view(row, input, campaign, &snapshot, &counts, tally, may_run))
    }

    #[allow(clippy::too_many_arguments)]
    fn view(
        &self,
        row: CampaignRow,
        input: CampaignInput,
        campaign: Campaign,
        snapshot: &Snapshot,
        counts: &[(i64, CodeCounts)],
        tally: Tally,
        may_run: bool,
    ) -> CampaignView {
        let names = campaign
            .candidates()
            .iter()
            .map(|c| snapshot.unit_name(c))
            .collect();
        let classes = campaign
            .classes()
            .iter()
            .enumerate()
            .map(|(i, c)| ClassView {
                name: c.name.clone(),
                weight: c.weight,
                voters: c.voters,
                codes: counts
                    .iter()
                    .find(|(k, _)| *k == i as i64)
                    .map(|(_, n)| *n)
                    .unwrap_or_default(),
            })
            .collect();
        let rule_label = conversion_rule(snapshot, &row.rule_code)
            .map_or_else(|_| row.rule_code.clone(), |rule| rule.label);
        CampaignView {
            period_name: snapshot.period.name.clone(),
            published: snapshot.published(),
            row,
            input,
            campaign,
            rule_label,
            names,
            classes,
            tally,
            may_run,
        }
    }

    /// Locks the campaign's period and the campaign for a change by someone who runs it.
    pub(super) async fn run_campaign(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<
        (
            kaoping_store::PeriodTx,
            std::sync::Arc<Snapshot>,
            CampaignRow,
            Campaign,
        ),
        AppError,
    > {
        let row = self.store.campaign(id).await?;
        let (mut tx, snapshot) = self.begin(row.period_id).await?;
        let row = tx.campaign(id).await?;
        let owner = snapshot.owner(&row.rule_code);
        actor.require(
            Action::RunBallot { owner },
            "只有管理员或评分项所属部门的考核员可以组织评议",
        )?;
        if row.status == CampaignStatus::Closed {
            return Err(AppError::Conflict("本次评议已结束".into()));
        }
        if snapshot.published() {
            return Err(AppError::Conflict(LOCKED.into()));
        }
        let (_, campaign) = stored_campaign(&row)?;
        Ok((tx, snapshot, row, campaign))
    }

    /// Paper slips entered by an assessor: read and judged like any ballot, each taking one unused code of
    /// its class. All or nothing, every bad slip listed by line.
    ///
    /// # Errors
    /// 422 with every problem; 409 when a class has fewer codes left than slips.
    pub async fn enter_paper(
        &self,
        actor: &Actor,
        id: i64,
        slips: &[PaperSlip],
    ) -> Result<usize, AppError> {
        if slips.len() > MAX_PAPER_SLIPS {
            return Err(AppError::Invalid(format!(
                "一次最多录入{MAX_PAPER_SLIPS}张纸质票"
            )));
        }
        let (mut tx, _, row, campaign) = self.run_campaign(actor, id).await?;
        if row.codes_issued_at.is_none() {
            return Err(AppError::Conflict(
                "请先发放投票码：纸质票按类别抵扣投票码".into(),
            ));
        }
        let mut errors = Vec::new();
        let mut by_class: BTreeMap<usize, Vec<StoredBallot>> = BTreeMap::new();
        for (line, slip) in slips.iter().enumerate() {
            let Some(class) = campaign.class_index(&slip.class) else {
                let names: Vec<&str> = campaign.classes().iter().map(|c| c.name.as_str()).collect();
                errors.push(format!(
                    "第{}张：类别“{}”不存在（有：{}）",
                    line + 1,
                    slip.class,
                    names.join("、")
                ));
                continue;
            };
            if slip.ratings.len() != campaign.candidates().len() {
                errors.push(format!(
                    "第{}张：应有{}名候选人的评价，实有{}个",
                    line + 1,
                    campaign.candidates().len(),
                    slip.ratings.len()
                ));
                continue;
            }
            let pairs: Vec<(&str, &str)> = campaign
                .candidates()
                .iter()
                .map(String::as_str)
                .zip(slip.ratings.iter().map(String::as_str))
                .collect();
            match campaign.read_ballot(class, &pairs) {
                Ok(ballot) => by_class.entry(class).or_default().push(StoredBallot {
                    id: ballot_id(),
                    class_index: class as i64,
                    valid: campaign.judge(&ballot).is_empty(),
                    ratings: ratings_json(&ballot),
                }),
                Err(e) => errors.push(format!(
                    "第{}张：{}",
                    line + 1,
                    e.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("；")
                )),
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors.join("\n")));
        }
        for (class, ballots) in &by_class {
            tx.enter_paper(id, *class as i64, ballots)
                .await
                .map_err(|e| match e {
                    kaoping_store::StoreError::Conflict(m) => {
                        AppError::Conflict(format!("{}：{m}", campaign.classes()[*class].name))
                    }
                    other => other.into(),
                })?;
        }
        tx.audit(
            Some(actor.id()),
            AuditAction::BallotPaper.key(),
            &format!("评议#{id}“{}”：录入纸质票{}张", row.title, slips.len()),
        )
        .await?;
        tx.commit().await?;
        Ok(slips.len())
    }

    /// Closes a campaign: the quorum checked, the ballots tallied, and each candidate's raw score
    /// appended to the ledger on the campaign's rule, with the tally as its note, in one transaction.
    /// A closed campaign never opens again.
    ///
    /// # Errors
    /// 409 when the quorum is not met, the campaign is closed or the period published; 422 when an
    /// entry cannot be recorded (a candidate already has one on the rule: withdraw it first).
    pub async fn close_campaign(&self, actor: &Actor, id: i64) -> Result<Vec<Entry>, AppError> {
        let (mut tx, snapshot, row, campaign) = self.run_campaign(actor, id).await?;
        let counts = tx.code_counts(id).await?;
        let issued: i64 = counts.iter().map(|(_, c)| c.issued).sum();
        let used: i64 = counts.iter().map(|(_, c)| c.used()).sum();
        if issued == 0 {
            return Err(AppError::Conflict("还没有发放投票码，不能结束评议".into()));
        }
        let quorum = campaign.spec().quorum;
        if Decimal::from(used) < Decimal::from(issued) * quorum {
            return Err(AppError::Conflict(format!(
                "参加评议的有{used}人，占发放投票码{issued}个的{}%，未达到规定的{}%",
                (Decimal::from(used * 100) / Decimal::from(issued))
                    .round_dp(1)
                    .normalize(),
                (quorum * Decimal::ONE_HUNDRED).normalize()
            )));
        }
        let stored = tx.ballots(id).await?;
        let tally = tally_of(&campaign, &stored)?;
        let rule = conversion_rule(&snapshot, &row.rule_code).map_err(AppError::Invalid)?;
        let department = match rule.owner {
            Some(owner) => self
                .store
                .departments()
                .await?
                .into_iter()
                .find(|d| d.answers_to(owner))
                .map(|d| d.id),
            None => None,
        };
        // One campaign is one sitting, one raw score per candidate: a rule that expects n raw scores a
        // period (述职, quarterly: 4) takes n, one that says nothing takes one. A raw score typed in by
        // hand is a sitting too, so a ballot never silently averages with it.
        let sittings = rule.sittings;
        let work = Work::new(&snapshot);
        let mut entries = Vec::new();
        let mut errors = Vec::new();
        for (i, c) in tally.candidates.iter().enumerate() {
            let Some(raw) = c.raw else { continue };
            let earlier: Vec<String> = snapshot
                .side(Source::Assessor)
                .counted()
                .filter(|e| {
                    e.entry.unit_code == c.code
                        && e.entry.code == row.rule_code
                        && e.entry.round == row.round
                })
                .map(|e| format!("记录#{}", e.entry.id))
                .collect();
            if earlier.len() >= sittings {
                errors.push(format!(
                    "{}：{}已有{}（本规则每期{}次）",
                    c.code,
                    row.rule_code,
                    earlier.join("、"),
                    sittings
                ));
                continue;
            }
            let note = campaign.explain(&tally, i);
            let input = FindingInput {
                unit: &c.code,
                code: &row.rule_code,
                round: &row.round,
                count: None,
                level: None,
                value: Some(raw),
                note: &note,
                matter: None,
                done: None,
                due: None,
            };
            if let Err(e) = work.check(Source::Assessor, &input, None) {
                errors.push(format!("{}：{e}", c.code));
                continue;
            }
            let mut entry = NewEntry::record(row.period_id, &input, actor.id());
            entry.department_id = department;
            entries.push(entry);
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(format!(
                "评议结果不能记入台账（如已有该项记录，请先撤销）：\n{}",
                errors.join("\n")
            )));
        }
        let saved = tx
            .append_all(&entries)
            .await
            .map_err(|(_, e)| AppError::from(e))?;
        tx.close_campaign(id, actor.id()).await?;
        tx.audit(
            Some(actor.id()),
            AuditAction::BallotClose.key(),
            &format!(
                "结束评议#{id}“{}”：收回{}张（有效{}、无效{}），{}名候选人的得分记入{}",
                row.title,
                tally.cast_total(),
                tally.valid_total(),
                tally.invalid_total(),
                saved.len(),
                row.rule_code
            ),
        )
        .await?;
        self.commit(tx, &snapshot, &saved).await?;
        Ok(saved)
    }
}
