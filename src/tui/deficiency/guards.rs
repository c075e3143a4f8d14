//! Guards of the deficiency commands (see [`crate::tui::commands::Guard`]): the first failing one
//! gives the reason shown in help, in the palette and when the command is invoked.

use crate::tui::Ctx;
use crate::tui::commands::Disabled;

pub fn may_analyze(c: &Ctx) -> Result<(), Disabled> {
    if c.role.may_analyze {
        Ok(())
    } else {
        Err(Disabled(
            "only technicians and supervisors work deficiencies",
        ))
    }
}

/// Technicians, coders and supervisors claim charts (to work deficiencies or to code).
pub fn may_work_charts(c: &Ctx) -> Result<(), Disabled> {
    if c.role.may_analyze || c.role.may_code {
        Ok(())
    } else {
        Err(Disabled(
            "only technicians, coders and supervisors claim charts",
        ))
    }
}

pub fn may_waive(c: &Ctx) -> Result<(), Disabled> {
    if c.role.may_waive {
        Ok(())
    } else {
        Err(Disabled("only a supervisor approves waivers (DEF-03)"))
    }
}

pub fn open_deficiency(c: &Ctx) -> Result<(), Disabled> {
    if c.work.def_open {
        Ok(())
    } else {
        Err(Disabled("select an open deficiency"))
    }
}

pub fn waiver_pending(c: &Ctx) -> Result<(), Disabled> {
    if c.work.waive_pending {
        Ok(())
    } else {
        Err(Disabled("the selected deficiency has no waiver waiting"))
    }
}

pub fn unsigned_document(c: &Ctx) -> Result<(), Disabled> {
    if c.work.doc_unsigned {
        Ok(())
    } else {
        Err(Disabled("select an unsigned document"))
    }
}

pub fn cosign_due(c: &Ctx) -> Result<(), Disabled> {
    if c.work.cosign_due {
        Ok(())
    } else {
        Err(Disabled("select a note with an open COSIGN deficiency"))
    }
}

pub fn has_next_page(c: &Ctx) -> Result<(), Disabled> {
    if c.has_next {
        Ok(())
    } else {
        Err(Disabled("this is the last page"))
    }
}

pub fn has_prev_page(c: &Ctx) -> Result<(), Disabled> {
    if c.has_prev {
        Ok(())
    } else {
        Err(Disabled("this is the first page"))
    }
}

pub fn may_release(c: &Ctx) -> Result<(), Disabled> {
    if c.role.may_release {
        Ok(())
    } else {
        Err(Disabled(
            "only the ROI role and supervisors work release requests",
        ))
    }
}

pub fn may_code(c: &Ctx) -> Result<(), Disabled> {
    if c.role.may_code {
        Ok(())
    } else {
        Err(Disabled("only coders and supervisors code encounters"))
    }
}

pub fn coding_open(c: &Ctx) -> Result<(), Disabled> {
    if c.coding.open {
        Ok(())
    } else {
        Err(Disabled(
            "the encounter is coded; reopen it with a reason first",
        ))
    }
}

pub fn supervisor(c: &Ctx) -> Result<(), Disabled> {
    if c.role.supervisor {
        Ok(())
    } else {
        Err(Disabled(
            "only a supervisor overrides a documentation hold (COD-20)",
        ))
    }
}

pub fn coding_coded(c: &Ctx) -> Result<(), Disabled> {
    if c.coding.coded {
        Ok(())
    } else {
        Err(Disabled("only a coded encounter reopens"))
    }
}

pub fn code_selected(c: &Ctx) -> Result<(), Disabled> {
    if c.coding.dx_selected || c.coding.px_selected {
        Ok(())
    } else {
        Err(Disabled("select a code in the code list"))
    }
}

pub fn diagnosis_selected(c: &Ctx) -> Result<(), Disabled> {
    if c.coding.dx_selected {
        Ok(())
    } else {
        Err(Disabled("select a diagnosis in the code list"))
    }
}

pub fn procedure_selected(c: &Ctx) -> Result<(), Disabled> {
    if c.coding.px_selected {
        Ok(())
    } else {
        Err(Disabled("select a procedure in the code list"))
    }
}

pub fn reading_document(c: &Ctx) -> Result<(), Disabled> {
    if c.reading {
        Ok(())
    } else {
        Err(Disabled(
            "open a document first (enter on the documents list)",
        ))
    }
}
