//! Roles and the permission matrix of DOMAIN §1. Checked in the core, never only in the UI.

use super::str_enum;

str_enum!(
    /// A user's role. A user has exactly one.
    Role {
        Technician = "technician",
        Coder = "coder",
        Roi = "roi",
        Supervisor = "supervisor",
    }
);

/// Something a role may be allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Perm {
    /// Read charts and documents, search patients (every role; every read is audited).
    ViewChart,
    /// Analyze; create, edit or void deficiencies; record signatures.
    AnalyzeDeficiencies,
    /// Waive a deficiency (waive_roles default: supervisor).
    WaiveDeficiency,
    /// Code, query, final-code.
    Code,
    /// ROI requests, disclosures, accounting of disclosures, releasing records.
    ReleaseRecords,
    /// Settings, users, reports, audit view/export.
    Administer,
    /// MPI: review identity conflicts and duplicate pairs, propose a merge or a keep-apart
    /// (DOMAIN §1, §8.1). Applying a merge or an unmerge needs [`Perm::Administer`].
    ReviewMpi,
}

impl Perm {
    pub fn describe(self) -> &'static str {
        match self {
            Perm::ViewChart => "view charts",
            Perm::AnalyzeDeficiencies => "analyze charts and manage deficiencies",
            Perm::WaiveDeficiency => "waive deficiencies",
            Perm::Code => "code encounters",
            Perm::ReleaseRecords => "release records",
            Perm::Administer => "manage users, settings, reports and the audit log",
            Perm::ReviewMpi => "review MPI pairs and propose merges",
        }
    }
}

impl Role {
    /// The permission matrix (DOMAIN §1 table).
    pub fn can(self, perm: Perm) -> bool {
        use Perm::*;
        use Role::*;
        match perm {
            ViewChart => true,
            AnalyzeDeficiencies => matches!(self, Technician | Supervisor),
            WaiveDeficiency => matches!(self, Supervisor),
            Code => matches!(self, Coder | Supervisor),
            ReleaseRecords => matches!(self, Roi | Supervisor),
            Administer => matches!(self, Supervisor),
            ReviewMpi => matches!(self, Technician | Supervisor),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Technician => "Records technician",
            Role::Coder => "Coder",
            Role::Roi => "Release of information",
            Role::Supervisor => "HIM supervisor",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_matrix_matches_domain_section_1() {
        let table = [
            (Perm::AnalyzeDeficiencies, [true, false, false, true]),
            (Perm::WaiveDeficiency, [false, false, false, true]),
            (Perm::Code, [false, true, false, true]),
            (Perm::ReleaseRecords, [false, false, true, true]),
            (Perm::Administer, [false, false, false, true]),
            (Perm::ViewChart, [true, true, true, true]),
            (Perm::ReviewMpi, [true, false, false, true]),
        ];
        for (perm, expected) in table {
            for (role, want) in Role::ALL.iter().zip(expected) {
                assert_eq!(role.can(perm), want, "{role} / {perm:?}");
            }
        }
    }

    #[test]
    fn role_round_trips_through_its_stored_name() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(*r));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}
