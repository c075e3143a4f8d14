//! The release-of-information desk: queue, request, forms and steps, accounting of
//! disclosures, the requester address book, and the lifecycle guards.

pub(crate) mod accounting;
pub(crate) mod amendments;
pub(crate) mod auth_form;
pub(crate) mod book;
pub(crate) mod desk;
pub(crate) mod forms;
pub(crate) mod guards;
pub(crate) mod intake;
pub(crate) mod letters;
pub(crate) mod rights;
pub(crate) mod steps;
