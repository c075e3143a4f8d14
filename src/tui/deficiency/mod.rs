//! The technician's screens: the deficiency queue, one claimed chart's work screen (with its
//! forms and guards), the reports and provider letters, and one provider's open deficiencies.

pub(crate) mod form;
pub(crate) mod guards;
pub(crate) mod provider;
pub(crate) mod queue;
pub(crate) mod reports;
pub(crate) mod rereview;
pub(crate) mod work;
