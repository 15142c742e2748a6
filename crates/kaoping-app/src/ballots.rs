//! 民主评议 and 述职评议: ballot campaigns for a conversion rule, their voting codes, votes with a code (no
//! login), paper slips, and closing, which turns the tally into ledger entries.
//!
//! Anonymity by construction (SECURITY.md): a code is kept only as its SHA-256 and shown once, when
//! issued; a ballot is stored with its class, validity and ratings only, under a random id, in the
//! transaction that marks its code used; nothing logged or audited names a code.

use std::collections::BTreeMap;

use kaoping_core::ballot::{
    Ballot, Campaign, CampaignProblem, CampaignSpec, ClassSpec, Grade, Invalidity, Scale, Tally,
};
use kaoping_core::finding::FindingInput;
use kaoping_core::rubric::{Coded, RuleKind};
use kaoping_core::Decimal;
use kaoping_store::{
    CampaignRow, CampaignStatus, CodeCounts, Entry, NewCampaign, NewEntry, Source, StoredBallot,
    VoteLimits,
};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::actor::Actor;
use crate::error::AppError;
use crate::findings::LOCKED;
use crate::period::check::Work;
use crate::period::Snapshot;
use crate::permissions::Action;
use crate::App;

/// The letters of a voting code: no 0/O or 1/I to confuse on a printed slip.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
/// Characters of a voting code (32⁸ ≈ 10¹² codes).
pub const CODE_LENGTH: usize = 8;

/// Wrong codes one address may try before it waits: an office behind one address makes typing
/// mistakes too, so the limit is generous, and a right code is forgiven at once.
const VOTE_LIMITS: VoteLimits = VoteLimits {
    window_ms: 10 * 60 * 1000,
    per_address: 30,
};

/// A number as JSON gives it: `"0.3"` or `0.3`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Num {
    Text(String),
    Number(serde_json::Number),
}

impl Num {
    fn text(&self) -> String {
        match self {
            Num::Text(t) => t.trim().to_string(),
            Num::Number(n) => n.to_string(),
        }
    }

    fn decimal(&self, problems: &mut Vec<CampaignProblem>, path: &str) -> Option<Decimal> {
        let text = self.text();
        match text.parse::<Decimal>() {
            Ok(d) => Some(d.normalize()),
            Err(_) => {
                problems.push(CampaignProblem {
                    path: path.into(),
                    message: format!("“{text}”不是数字"),
                });
                None
            }
        }
    }
}

impl From<Decimal> for Num {
    fn from(d: Decimal) -> Num {
        Num::Text(d.normalize().to_string())
    }
}

/// A campaign as the API or the form gives it, and as it is stored (`settings`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CampaignInput {
    pub title: String,
    /// The conversion rule its raw scores go to (`8.1`).
    pub code: String,
    #[serde(default)]
    pub round: String,
    /// Unit codes; empty means every unit of the period.
    #[serde(default)]
    pub candidates: Vec<String>,
    pub classes: Vec<ClassInput>,
    pub scale: ScaleInput,
    #[serde(default)]
    pub max_excellent_share: Option<Num>,
    #[serde(default)]
    pub trim: u32,
    pub quorum: Num,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ClassInput {
    pub name: String,
    pub weight: Num,
    pub voters: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum ScaleInput {
    Grades { grades: Vec<GradeInput> },
    Score { min: Num, max: Num },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct GradeInput {
    pub name: String,
    pub value: Num,
}

impl CampaignInput {
    /// The core's spec, and every number that is not one, named at its field (the spec then holds a
    /// stand-in, so the core can still find every other problem).
    fn spec(&self) -> (CampaignSpec, Vec<CampaignProblem>) {
        let mut problems = Vec::new();
        let classes = self
            .classes
            .iter()
            .enumerate()
            .map(|(i, c)| ClassSpec {
                name: c.name.clone(),
                weight: c
                    .weight
                    .decimal(&mut problems, &format!("classes[{i}].weight"))
                    .unwrap_or(Decimal::ONE),
                voters: c.voters,
            })
            .collect();
        let scale = match &self.scale {
            ScaleInput::Score { min, max } => Scale::Score {
                min: min.decimal(&mut problems, "scale.min").unwrap_or_default(),
                max: max
                    .decimal(&mut problems, "scale.max")
                    .unwrap_or(Decimal::ONE_HUNDRED),
            },
            ScaleInput::Grades { grades } => Scale::Grades(
                grades
                    .iter()
                    .enumerate()
                    .map(|(i, g)| Grade {
                        name: g.name.clone(),
                        value: g
                            .value
                            .decimal(&mut problems, &format!("scale.grades[{i}].value"))
                            .unwrap_or_default(),
                    })
                    .collect(),
            ),
        };
        let max_excellent_share = self
            .max_excellent_share
            .as_ref()
            .and_then(|n| n.decimal(&mut problems, "max_excellent_share"));
        let quorum = self
            .quorum
            .decimal(&mut problems, "quorum")
            .unwrap_or(Decimal::ONE);
        let spec = CampaignSpec {
            title: self.title.clone(),
            candidates: self.candidates.clone(),
            classes,
            scale,
            max_excellent_share,
            trim: self.trim,
            quorum,
        };
        (spec, problems)
    }

    /// The campaign its rules make, or every problem with them at once.
    fn campaign(&self) -> Result<Campaign, Vec<CampaignProblem>> {
        let (spec, mut problems) = self.spec();
        match Campaign::new(spec) {
            Ok(c) if problems.is_empty() => Ok(c),
            Ok(_) => Err(problems),
            Err(core) => {
                // A weight that is not a number stood in as 1: the sum the core then finds is not news.
                let bad_weight = problems.iter().any(|p| p.path.ends_with(".weight"));
                problems.extend(core.into_iter().filter(|p| {
                    !(bad_weight && p.path == "classes" && p.message.contains("权重之和"))
                }));
                problems.sort_by_key(|p| field_order(&p.path));
                Err(problems)
            }
        }
    }
}

/// Problems in the order of the fields of a campaign.
fn field_order(path: &str) -> usize {
    const FIELDS: [&str; 8] = [
        "title",
        "candidates",
        "classes",
        "scale",
        "max_excellent_share",
        "trim",
        "quorum",
        "",
    ];
    FIELDS
        .iter()
        .position(|f| path.starts_with(f))
        .unwrap_or(FIELDS.len())
}

/// Problems as one message, a line each (`classes[1].weight：…`).
fn problems_message(problems: &[CampaignProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A stored campaign's rules, rebuilt.
fn stored_campaign(row: &CampaignRow) -> Result<(CampaignInput, Campaign), AppError> {
    let input: CampaignInput = serde_json::from_str(&row.settings)
        .map_err(|e| AppError::Internal(format!("评议#{}的设置无法读取：{e}", row.id)))?;
    let campaign = input
        .campaign()
        .map_err(|p| AppError::Internal(problems_message(&p)))?;
    Ok((input, campaign))
}

/// A stored ballot's ratings: the values in the campaign's candidate order.
fn ratings_json(ballot: &Ballot) -> String {
    let values: Vec<Option<String>> = ballot
        .ratings
        .iter()
        .map(|r| r.map(|d| d.normalize().to_string()))
        .collect();
    serde_json::to_string(&values).unwrap_or_else(|_| "[]".into())
}

fn stored_ballot(b: &StoredBallot, candidates: usize) -> Result<Ballot, AppError> {
    let values: Vec<Option<String>> = serde_json::from_str(&b.ratings)
        .map_err(|e| AppError::Internal(format!("选票无法读取：{e}")))?;
    if values.len() != candidates {
        return Err(AppError::Internal("选票的候选人数与评议不符".into()));
    }
    let ratings = values
        .into_iter()
        .map(|v| v.map(|t| t.parse::<Decimal>()).transpose())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AppError::Internal(format!("选票无法读取：{e}")))?;
    Ok(Ballot {
        class: usize::try_from(b.class_index).unwrap_or(usize::MAX),
        ratings,
    })
}

/// Why a ballot would not count, naming candidates as the voter sees them (by name, not code).
fn reason_in_names(reason: &Invalidity, snapshot: &Snapshot) -> String {
    match reason {
        Invalidity::Incomplete { missing } => {
            let names: Vec<String> = missing
                .iter()
                .map(|c| {
                    snapshot
                        .unit_id(c)
                        .map_or_else(|| c.clone(), |u| snapshot.units.unit(u).name.clone())
                })
                .collect();
            Invalidity::Incomplete { missing: names }.to_string()
        }
        other => other.to_string(),
    }
}

/// A random ballot id: 128 bits in hex, so ids say nothing about order.
fn ballot_id() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random voting code.
fn new_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LENGTH)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

/// A code as typed: spaces and dashes dropped, letters upper-cased; `None` when it cannot be a code.
pub fn normalize_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == CODE_LENGTH && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

fn code_hash(code: &str) -> String {
    let digest = Sha256::digest(code.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

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

/// A code issued: shown once, printed on a slip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuedCode {
    pub class: String,
    pub code: String,
}

/// What a voter sees after entering their code.
#[derive(Debug, Clone)]
pub struct VoteForm {
    pub code: String,
    pub title: String,
    pub class_name: String,
    pub campaign: Campaign,
    /// (code, name) in ballot order.
    pub candidates: Vec<(String, String)>,
}

/// The answer to a cast ballot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CastOutcome {
    /// Stored; `reasons` is empty for a valid ballot.
    Cast { reasons: Vec<String> },
    /// Not stored: it would be invalid, for these reasons; the voter may go back or cast it anyway.
    WouldBeInvalid { reasons: Vec<String> },
}

/// One paper slip as entered: its class and the ratings in candidate order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaperSlip {
    pub class: String,
    pub ratings: Vec<String>,
}

/// Paper slips typed one per line: the class, then each candidate's rating in order, separated by tabs
/// (pasted from Excel) or commas; an empty field is a candidate left blank.
///
/// # Errors
/// Every line with the wrong number of fields, by line number.
pub fn paper_slips_from_text(text: &str, candidates: usize) -> Result<Vec<PaperSlip>, AppError> {
    let mut slips = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = if line.contains('\t') {
            line.split('\t').collect()
        } else {
            line.split([',', '，']).collect()
        };
        if fields.len() != candidates + 1 {
            errors.push(format!(
                "第{}行：应有{}栏（类别和{}名候选人的评价），实有{}栏",
                i + 1,
                candidates + 1,
                candidates,
                fields.len()
            ));
            continue;
        }
        slips.push(PaperSlip {
            class: fields[0].trim().to_string(),
            ratings: fields[1..].iter().map(|f| f.trim().to_string()).collect(),
        });
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors.join("\n")));
    }
    if slips.is_empty() {
        return Err(AppError::Invalid("没有录入任何纸质票".into()));
    }
    Ok(slips)
}

/// Most paper slips in one submission.
const MAX_PAPER_SLIPS: usize = 10_000;

impl App {
    /// The rule a campaign feeds, checked: a conversion rule of the period's rubric. Its owner.
    fn campaign_rule<'s>(
        snapshot: &'s Snapshot,
        code: &str,
        problems: &mut Vec<CampaignProblem>,
    ) -> Option<(String, Option<&'s str>)> {
        let rubric = &snapshot.rubric;
        let code = code.trim();
        match rubric.lookup(code) {
            Some(Coded::Rule(r)) => {
                let rule = &rubric.rules()[r];
                match rule.kind {
                    RuleKind::Conversion { .. } => {
                        let item = &rubric.items()[rule.item];
                        Some((
                            format!("{} {}", rule.code, item.title),
                            snapshot.owner(code),
                        ))
                    }
                    _ => {
                        problems.push(CampaignProblem {
                            path: "code".into(),
                            message: format!(
                                "{code}不是折合得分的规则，评议结果只能计入折合得分规则"
                            ),
                        });
                        None
                    }
                }
            }
            _ => {
                problems.push(CampaignProblem {
                    path: "code".into(),
                    message: format!("考评细则中没有规则“{code}”"),
                });
                None
            }
        }
    }

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
        let rule = Self::campaign_rule(&snapshot, &input.code, &mut problems);
        if let Some((_, owner)) = &rule {
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
        if let (Some(c), Some(Coded::Rule(r))) = (&campaign, snapshot.rubric.lookup(&input.code)) {
            if let RuleKind::Conversion {
                scale_min,
                scale_max,
                ..
            } = snapshot.rubric.rules()[r].kind
            {
                let (lo, hi) = c.scale().range();
                if lo < scale_min || hi > scale_max {
                    problems.push(CampaignProblem {
                        path: "scale".into(),
                        message: format!(
                            "评议分值{}～{}超出规则{}的原始分范围{}～{}",
                            lo.normalize(),
                            hi.normalize(),
                            input.code,
                            scale_min.normalize(),
                            scale_max.normalize()
                        ),
                    });
                }
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
            "ballot_campaign",
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
        let ballots = stored
            .iter()
            .map(|b| stored_ballot(b, campaign.candidates().len()))
            .collect::<Result<Vec<_>, _>>()?;
        let mut tally = campaign.tally(&ballots);
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
            .map(|c| {
                snapshot
                    .unit_id(c)
                    .map_or_else(|| c.clone(), |u| snapshot.units.unit(u).name.clone())
            })
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
        let mut no_problems = Vec::new();
        let rule_label = Self::campaign_rule(snapshot, &row.rule_code, &mut no_problems)
            .map_or_else(|| row.rule_code.clone(), |(label, _)| label);
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
    async fn run_campaign(
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

    /// Issues the campaign's codes, as many per class as it has voters: once. The codes are returned
    /// here and never again (only their hashes are kept).
    ///
    /// # Errors
    /// 409 when the codes were issued before or the campaign is closed.
    pub async fn issue_codes(&self, actor: &Actor, id: i64) -> Result<Vec<IssuedCode>, AppError> {
        let (mut tx, _, row, campaign) = self.run_campaign(actor, id).await?;
        if row.codes_issued_at.is_some() {
            return Err(AppError::Conflict(
                "投票码已经发放过（只显示一次，不能再次显示）".into(),
            ));
        }
        let mut codes = Vec::new();
        let mut hashes = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, class) in campaign.classes().iter().enumerate() {
            let mut n = 0;
            while n < class.voters {
                let code = new_code();
                if !seen.insert(code.clone()) {
                    continue;
                }
                hashes.push((i as i64, code_hash(&code)));
                codes.push(IssuedCode {
                    class: class.name.clone(),
                    code,
                });
                n += 1;
            }
        }
        tx.issue_codes(id, &hashes).await?;
        tx.audit(
            Some(actor.id()),
            "ballot_codes",
            &format!("评议#{id}“{}”：发放投票码{}个", row.title, codes.len()),
        )
        .await?;
        tx.commit().await?;
        Ok(codes)
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
            "ballot_paper",
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
        let ballots = stored
            .iter()
            .map(|b| stored_ballot(b, campaign.candidates().len()))
            .collect::<Result<Vec<_>, _>>()?;
        let tally = campaign.tally(&ballots);
        let department = snapshot.owner(&row.rule_code).and_then(|owner| {
            actor
                .department
                .as_ref()
                .filter(|d| d.name == owner || d.code == owner)
                .map(|d| d.id)
        });
        let department = match department {
            Some(d) => Some(d),
            None => match snapshot.owner(&row.rule_code) {
                Some(owner) => self
                    .store
                    .departments()
                    .await?
                    .into_iter()
                    .find(|d| d.name == owner || d.code == owner)
                    .map(|d| d.id),
                None => None,
            },
        };
        let work = Work::new(&snapshot);
        let mut entries = Vec::new();
        let mut errors = Vec::new();
        for (i, c) in tally.candidates.iter().enumerate() {
            let Some(raw) = c.raw else { continue };
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
            "ballot_close",
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

    /// What a code opens, for the voter: counted against the address's wrong codes.
    async fn code_campaign(
        &self,
        typed: &str,
        address: &str,
    ) -> Result<(String, kaoping_store::CodeLookup), AppError> {
        if self.store.vote_refused(address, VOTE_LIMITS).await? {
            return Err(AppError::VoteThrottled);
        }
        let found = match normalize_code(typed) {
            Some(code) => self
                .store
                .code_lookup(&code_hash(&code))
                .await?
                .map(|found| (code, found)),
            None => None,
        };
        let Some((code, found)) = found else {
            self.store.vote_failed(address, VOTE_LIMITS).await?;
            return Err(AppError::NotFound(
                "投票码不存在，请核对选票上的投票码".into(),
            ));
        };
        if found.campaign.status == CampaignStatus::Closed {
            return Err(AppError::Conflict("本次评议已结束，不再接受投票".into()));
        }
        if found.used {
            return Err(AppError::Conflict(
                "这个投票码已经投过票了，每个投票码只能投一次".into(),
            ));
        }
        Ok((code, found))
    }

    /// The ballot a code opens (no login: the code is the right to vote once).
    ///
    /// # Errors
    /// 404 for an unknown code, 409 for a used code or a closed campaign, 429 after too many wrong codes
    /// from the address.
    pub async fn vote_form(&self, typed: &str, address: &str) -> Result<VoteForm, AppError> {
        let (code, found) = self.code_campaign(typed, address).await?;
        let (_, campaign) = stored_campaign(&found.campaign)?;
        let snapshot = self
            .snapshot(found.campaign.period_id, |_| true, "")
            .await?;
        let candidates = campaign
            .candidates()
            .iter()
            .map(|c| {
                let name = snapshot
                    .unit_id(c)
                    .map_or_else(|| c.clone(), |u| snapshot.units.unit(u).name.clone());
                (c.clone(), name)
            })
            .collect();
        let class_name = campaign
            .classes()
            .get(usize::try_from(found.class_index).unwrap_or(usize::MAX))
            .map(|c| c.name.clone())
            .unwrap_or_default();
        Ok(VoteForm {
            code,
            title: found.campaign.title.clone(),
            class_name,
            campaign,
            candidates,
        })
    }

    /// Casts a ballot with a code. A ballot that would be invalid is stored only when `cast_invalid`
    /// says the voter means it (a spoilt ballot is a voter's right); otherwise the reasons come back.
    ///
    /// # Errors
    /// As [`App::vote_form`]; 422 for ratings that cannot be read (a score out of range, an unknown
    /// grade or candidate).
    pub async fn cast(
        &self,
        typed: &str,
        ratings: &[(String, String)],
        cast_invalid: bool,
        address: &str,
    ) -> Result<CastOutcome, AppError> {
        let (code, found) = self.code_campaign(typed, address).await?;
        let (_, campaign) = stored_campaign(&found.campaign)?;
        let class = usize::try_from(found.class_index).unwrap_or(usize::MAX);
        let pairs: Vec<(&str, &str)> = ratings
            .iter()
            .map(|(c, r)| (c.as_str(), r.as_str()))
            .collect();
        let ballot = campaign.read_ballot(class, &pairs).map_err(|e| {
            AppError::Invalid(
                e.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        })?;
        let snapshot = self
            .snapshot(found.campaign.period_id, |_| true, "")
            .await?;
        let reasons: Vec<String> = campaign
            .judge(&ballot)
            .iter()
            .map(|r| reason_in_names(r, &snapshot))
            .collect();
        if !reasons.is_empty() && !cast_invalid {
            return Ok(CastOutcome::WouldBeInvalid { reasons });
        }
        self.store
            .cast_ballot(
                &code_hash(&code),
                found.campaign.id,
                &StoredBallot {
                    id: ballot_id(),
                    class_index: found.class_index,
                    valid: reasons.is_empty(),
                    ratings: ratings_json(&ballot),
                },
            )
            .await?;
        // Never the code: which campaign only.
        tracing::info!(campaign = found.campaign.id, "a ballot was cast");
        Ok(CastOutcome::Cast { reasons })
    }
}

impl App {
    /// The tally and participation as a workbook (the printed record of the vote).
    ///
    /// # Errors
    /// As [`App::campaign`].
    pub async fn campaign_xlsx(&self, actor: &Actor, id: i64) -> Result<crate::Workbook, AppError> {
        use kaoping_formats::xlsx::{tables_xlsx, Table, TableCell};
        let v = self.campaign(actor, id).await?;
        let text = |s: &str| TableCell::Text(s.to_string());
        let mut headers = vec!["编号".to_string(), "候选人".to_string()];
        for c in &v.classes {
            headers.push(format!("{}均分", c.name));
            headers.push(format!("{}计票", c.name));
        }
        headers.extend(["加权得分".to_string(), "计算过程".to_string()]);
        let rows = v
            .tally
            .candidates
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut row = vec![text(&c.code), text(&v.names[i])];
                for k in &c.classes {
                    row.push(k.mean.map_or_else(|| text(""), TableCell::Points));
                    row.push(TableCell::Count(k.counted as i64));
                }
                row.push(c.raw.map_or_else(|| text(""), TableCell::Points));
                row.push(text(&v.explain(i)));
                row
            })
            .collect();
        let mut widths = vec![8.0, 12.0];
        widths.extend(v.classes.iter().flat_map(|_| [10.0, 8.0]));
        widths.extend([10.0, 60.0]);
        let status = if v.open() { "（未结束）" } else { "" };
        let tally = Table {
            sheet: "计票结果".into(),
            title: format!("{}计票结果{status}", v.row.title),
            headers,
            rows,
            widths,
        };
        let mut participation: Vec<Vec<TableCell>> = v
            .classes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                vec![
                    text(&c.name),
                    TableCell::Points(c.weight),
                    TableCell::Count(i64::from(c.voters)),
                    TableCell::Count(c.codes.issued),
                    TableCell::Count(c.codes.voted),
                    TableCell::Count(c.codes.paper),
                    TableCell::Count(v.tally.valid.get(i).copied().unwrap_or(0) as i64),
                    TableCell::Count(
                        (v.tally.cast.get(i).copied().unwrap_or(0)
                            - v.tally.valid.get(i).copied().unwrap_or(0))
                            as i64,
                    ),
                ]
            })
            .collect();
        participation.push(vec![
            text("合计"),
            text(""),
            TableCell::Count(i64::from(v.campaign.voters())),
            TableCell::Count(v.issued()),
            TableCell::Count(v.classes.iter().map(|c| c.codes.voted).sum()),
            TableCell::Count(v.classes.iter().map(|c| c.codes.paper).sum()),
            TableCell::Count(v.tally.valid_total() as i64),
            TableCell::Count(v.tally.invalid_total() as i64),
        ]);
        let participation = Table {
            sheet: "参评情况".into(),
            title: format!("{}参评情况", v.row.title),
            headers: [
                "类别",
                "权重",
                "人数",
                "已发码",
                "手机投票",
                "纸质票",
                "有效票",
                "无效票",
            ]
            .map(String::from)
            .to_vec(),
            rows: participation,
            widths: vec![12.0, 8.0, 8.0, 8.0, 10.0, 8.0, 8.0, 8.0],
        };
        let bytes = tables_xlsx(&[tally, participation])
            .map_err(|e| AppError::Internal(format!("无法生成Excel文件：{e}")))?;
        Ok(crate::Workbook {
            filename: format!("{}.xlsx", v.row.title),
            bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_the_unambiguous_alphabet_and_are_read_back_forgivingly() {
        for _ in 0..200 {
            let code = new_code();
            assert_eq!(code.len(), CODE_LENGTH);
            assert!(!code.contains(['0', 'O', '1', 'I']), "{code}");
            let typed = format!(" {}-{} ", &code[..4], code[4..].to_lowercase());
            assert_eq!(normalize_code(&typed).as_deref(), Some(code.as_str()));
        }
        assert_eq!(normalize_code("ABCD1234"), None);
        assert_eq!(normalize_code("ABC"), None);
    }

    #[test]
    fn paper_slips_are_read_a_line_each_and_every_bad_line_named() {
        let slips = paper_slips_from_text("职工\t优秀\t称职\n\n班子成员,称职,\n", 2).unwrap();
        assert_eq!(slips.len(), 2);
        assert_eq!(slips[1].ratings, ["称职", ""]);
        let err = paper_slips_from_text("职工,优秀\n职工,优秀,称职,称职\n", 2).unwrap_err();
        assert_eq!(
            err.to_string(),
            "第1行：应有3栏（类别和2名候选人的评价），实有2栏\n第2行：应有3栏（类别和2名候选人的评价），实有4栏"
        );
    }
}
