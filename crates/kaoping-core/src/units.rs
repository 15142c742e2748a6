//! Who is assessed: units (a branch, a village, a person) and the groups they belong to (a 科室, an
//! investigation team), whose findings apply to every member.

use crate::code_map::CodeMap;

pub type UnitId = usize;
pub type GroupId = usize;

/// A unit or group named by a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Party {
    Unit(UnitId),
    Group(GroupId),
}

#[derive(Debug, Clone)]
pub struct Unit {
    pub code: String,
    pub name: String,
    /// Units are ranked within their ranking group (排名分组); `None` is the common group.
    pub ranking_group: Option<String>,
    pub groups: Vec<GroupId>,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub code: String,
    pub members: Vec<UnitId>,
}

/// Why a unit could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    #[error("单位编号不能为空")]
    EmptyCode,
    #[error("单位编号“{0}”重复")]
    Duplicate(String),
    #[error("“{0}”已是一个组的编号，单位不能与组同名")]
    ClashesWithGroup(String),
}

/// The register of units and groups. Codes are unique across both.
#[derive(Debug, Clone, Default)]
pub struct Units {
    units: Vec<Unit>,
    groups: Vec<Group>,
    index: CodeMap<Party>,
}

impl Units {
    pub fn new() -> Units {
        Units::default()
    }

    /// Registers a unit and makes it a member of the named groups (created on first mention).
    ///
    /// # Errors
    /// An empty or duplicate code, or a code already used by a group.
    pub fn add_unit(
        &mut self,
        code: &str,
        name: &str,
        ranking_group: Option<&str>,
        groups: &[&str],
    ) -> Result<UnitId, UnitError> {
        let code = code.trim();
        if code.is_empty() {
            return Err(UnitError::EmptyCode);
        }
        match self.index.get(code) {
            Some(Party::Unit(_)) => return Err(UnitError::Duplicate(code.into())),
            Some(Party::Group(_)) => return Err(UnitError::ClashesWithGroup(code.into())),
            None => {}
        }
        let id = self.units.len();
        let mut member_of = Vec::new();
        for g in groups.iter().map(|g| g.trim()).filter(|g| !g.is_empty()) {
            let gid = match self.index.get(g) {
                Some(Party::Group(gid)) => gid,
                Some(Party::Unit(_)) => return Err(UnitError::ClashesWithGroup(g.into())),
                None => {
                    let gid = self.groups.len();
                    self.groups.push(Group {
                        code: g.to_string(),
                        members: Vec::new(),
                    });
                    self.index.insert(g, Party::Group(gid));
                    gid
                }
            };
            if !member_of.contains(&gid) {
                member_of.push(gid);
                self.groups[gid].members.push(id);
            }
        }
        self.units.push(Unit {
            code: code.to_string(),
            name: if name.trim().is_empty() {
                code
            } else {
                name.trim()
            }
            .to_string(),
            ranking_group: ranking_group
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(String::from),
            groups: member_of,
        });
        self.index.insert(code, Party::Unit(id));
        Ok(id)
    }

    /// Room for `additional` more units without growing the register as they come.
    pub fn reserve(&mut self, additional: usize) {
        self.units.reserve(additional);
        self.index.reserve(additional);
    }

    pub fn find(&self, code: &str) -> Option<Party> {
        self.index.get(code.trim())
    }

    /// As [`Units::find`], for a code packed by [`crate::plain::packed_code`] (a code of up to 7 bytes).
    pub fn find_packed(&self, code: u64) -> Option<Party> {
        self.index.get_packed(code)
    }

    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    pub fn unit(&self, id: UnitId) -> &Unit {
        &self.units[id]
    }

    pub fn group(&self, id: GroupId) -> &Group {
        &self.groups[id]
    }

    pub fn len(&self) -> usize {
        self.units.len()
    }

    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }
}
