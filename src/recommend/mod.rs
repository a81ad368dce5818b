//! Recommendations: the documented fix for each finding (the playbook).
