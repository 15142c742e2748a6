//! 民主评议 and 述职评议: ballot campaigns for a conversion rule, their voting codes, votes with a code (no
//! login), paper slips, and closing, which turns the tally into ledger entries.
//!
//! Anonymity by construction (SECURITY.md): a code is kept only as its SHA-256 and shown once, when
//! issued; a ballot is stored with its class, validity and ratings only, under a random id, in the
//! transaction that marks its code used; nothing logged or audited names a code.

mod campaigns;
mod codes;
mod input;
mod stored;
mod voting;
mod workbook;

pub use campaigns::{CampaignView, ClassView};
pub use codes::{normalize_code, IssuedCode, CODE_ALPHABET, CODE_LENGTH};
pub use input::{
    paper_slips_from_text, CampaignInput, ClassInput, GradeInput, Num, PaperSlip, ScaleInput,
};
pub use voting::{CastOutcome, VoteForm};
