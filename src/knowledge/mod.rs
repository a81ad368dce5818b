//! Licensing knowledge: the product / service-plan catalog and the conflict and dependency tables.
