//! The products of the synthetic tenant, copied from `data/license-catalog.csv` (Dec-2025 copy; the
//! same rows the fixture generator uses), plus one SKU the catalog does not know. Also the documented
//! failure texts (formats.md §7, licensing.md §6) the audit log carries.

/// Index of a product in [`SKUS`].
pub type SkuIx = usize;

pub const E3: SkuIx = 0;
pub const E1: SkuIx = 1;
pub const EMS: SkuIx = 2;
pub const PBI: SkuIx = 3;
pub const AUDIO: SkuIx = 4;
pub const WPA: SkuIx = 5;
pub const CUSTOM: SkuIx = 6;

pub struct Product {
    pub part: &'static str,
    pub id: &'static str,
    pub plans: &'static [(&'static str, &'static str)],
}

pub static SKUS: [Product; 7] = [
    Product {
        part: "ENTERPRISEPACK",
        id: "6fd2c87f-b296-42f0-b197-1e91e994b900",
        plans: &[
            (
                "MESH_AVATARS_FOR_TEAMS",
                "dcf9d2f4-772e-4434-b757-77a453cfbc02",
            ),
            (
                "MESH_AVATARS_ADDITIONAL_FOR_TEAMS",
                "3efbd4ed-8958-4824-8389-1321f8730af8",
            ),
            ("RMS_S_ENTERPRISE", "bea4c11e-220a-4e6d-8eb8-8ea15d019f90"),
            (
                "Bing_Chat_Enterprise",
                "0d0c0d31-fae7-41f2-b909-eaf4d7f26dba",
            ),
            ("CDS_O365_P2", "95b76021-6a53-4741-ab8b-1d1f3d66a95a"),
            (
                "EXCHANGE_S_ENTERPRISE",
                "efb87545-963c-4e0d-99df-69c6916d9eb0",
            ),
            (
                "MESH_IMMERSIVE_FOR_TEAMS",
                "f0ff6ac6-297d-49cd-be34-6dfef97f0c28",
            ),
            (
                "ContentExplorer_Standard",
                "2b815d45-56e4-4e3a-b65c-66cb9175b560",
            ),
            ("MIP_S_CLP1", "5136a095-5cf0-4aff-bec3-e84448b38ea5"),
            ("MYANALYTICS_P2", "33c4f319-9bdd-48d6-9c4d-410b750a4a5a"),
            ("OFFICESUBSCRIPTION", "43de0ff5-c92c-492b-9116-175376d08c38"),
            (
                "M365_LIGHTHOUSE_CUSTOMER_PLAN1",
                "6f23d6a9-adbf-481c-8538-b4c095654487",
            ),
            ("MICROSOFTBOOKINGS", "199a5c09-e0ca-4e37-8f7c-b05d533e1ea2"),
            ("FORMS_PLAN_E3", "2789c901-c14e-48ab-a76a-be334d9d793a"),
            ("KAIZALA_O365_P3", "aebd3021-9f8f-4bf8-bbe3-0ed2f4f047a1"),
            (
                "PROJECTWORKMANAGEMENT",
                "b737dad2-2f6c-4c65-90e3-ca563267e8b9",
            ),
            ("MICROSOFT_SEARCH", "94065c59-bc8e-4e8b-89e5-5138d471eaff"),
            ("Deskless", "8c7d2df8-86f0-4902-b2ed-a0458298f3b3"),
            ("STREAM_O365_E3", "9e700747-8b1d-45e5-ab8d-ef187ceec156"),
            ("TEAMS1", "57ff2da0-773e-42df-b2af-ffb7a2317929"),
            ("INTUNE_O365", "882e1d05-acd1-4ccb-8708-6ee03664b117"),
            ("Nucleus", "db4d623d-b514-490b-b7ef-8885eee514de"),
            ("SHAREPOINTWAC", "e95bec33-7c88-4a70-8e19-b10bd9d0c014"),
            ("PROJECT_O365_P2", "31b4e2fc-4cd6-4e7d-9c1b-41407303bd66"),
            (
                "SHAREPOINTENTERPRISE",
                "5dbe027f-2339-4123-9542-606e4d348a72",
            ),
            ("MCOSTANDARD", "0feaeb32-d00e-4d66-bd5a-43b5b83db82c"),
            ("SWAY", "a23b959c-7ce8-4e57-9140-b90eb88a9e97"),
            ("BPOS_S_TODO_2", "c87f142c-d1e9-4363-8630-aaea9c4d9ae5"),
            ("VIVAENGAGE_CORE", "a82fbf69-b4d7-49f4-83a6-915b2cf354f4"),
            (
                "VIVA_LEARNING_SEEDED",
                "b76fb638-6ba6-402a-b9f9-83d28acb3d86",
            ),
            ("WHITEBOARD_PLAN2", "94a54592-cd8b-425e-87c6-97868b000b91"),
            ("YAMMER_ENTERPRISE", "7547a3fe-08ee-4ccb-b430-5077c5041653"),
            ("DYN365_CDS_O365_P2", "4ff01e01-1ba7-4d71-8cf8-ce96c3bbcf14"),
            ("POWERAPPS_O365_P2", "c68f8d98-5534-41c8-bf36-22fa496fa792"),
            ("FLOW_O365_P2", "76846ad7-7776-4c40-a281-a386362dd1b9"),
            (
                "POWER_VIRTUAL_AGENTS_O365_P2",
                "041fe683-03e4-45b6-b1af-c0cdc516daee",
            ),
        ],
    },
    Product {
        part: "STANDARDPACK",
        id: "18181a46-0d4e-45cd-891e-60aabd171b4e",
        plans: &[
            (
                "MESH_AVATARS_FOR_TEAMS",
                "dcf9d2f4-772e-4434-b757-77a453cfbc02",
            ),
            (
                "MESH_AVATARS_ADDITIONAL_FOR_TEAMS",
                "3efbd4ed-8958-4824-8389-1321f8730af8",
            ),
            (
                "Bing_Chat_Enterprise",
                "0d0c0d31-fae7-41f2-b909-eaf4d7f26dba",
            ),
            ("CDS_O365_P1", "bed136c6-b799-4462-824d-fc045d3a9d25"),
            (
                "EXCHANGE_S_STANDARD",
                "9aaf7827-d63c-4b61-89c3-182f06f82e5c",
            ),
            (
                "MESH_IMMERSIVE_FOR_TEAMS",
                "f0ff6ac6-297d-49cd-be34-6dfef97f0c28",
            ),
            ("MYANALYTICS_P2", "33c4f319-9bdd-48d6-9c4d-410b750a4a5a"),
            (
                "M365_LIGHTHOUSE_CUSTOMER_PLAN1",
                "6f23d6a9-adbf-481c-8538-b4c095654487",
            ),
            ("MICROSOFTBOOKINGS", "199a5c09-e0ca-4e37-8f7c-b05d533e1ea2"),
            ("FORMS_PLAN_E1", "159f4cd6-e380-449f-a816-af1a9ef76344"),
            ("KAIZALA_O365_P2", "54fc630f-5a40-48ee-8965-af0503c1386e"),
            (
                "PROJECTWORKMANAGEMENT",
                "b737dad2-2f6c-4c65-90e3-ca563267e8b9",
            ),
            ("MICROSOFT_SEARCH", "94065c59-bc8e-4e8b-89e5-5138d471eaff"),
            ("Deskless", "8c7d2df8-86f0-4902-b2ed-a0458298f3b3"),
            ("TEAMS1", "57ff2da0-773e-42df-b2af-ffb7a2317929"),
            ("INTUNE_O365", "882e1d05-acd1-4ccb-8708-6ee03664b117"),
            ("Nucleus", "db4d623d-b514-490b-b7ef-8885eee514de"),
            ("SHAREPOINTWAC", "e95bec33-7c88-4a70-8e19-b10bd9d0c014"),
            (
                "OFFICEMOBILE_SUBSCRIPTION",
                "c63d4d19-e8cb-460e-b37c-4d6c34603745",
            ),
            ("PROJECT_O365_P1", "a55dfd10-0864-46d9-a3cd-da5991a3e0e2"),
            ("SHAREPOINTSTANDARD", "c7699d2e-19aa-44de-8edf-1736da088ca1"),
            ("MCOSTANDARD", "0feaeb32-d00e-4d66-bd5a-43b5b83db82c"),
            ("SWAY", "a23b959c-7ce8-4e57-9140-b90eb88a9e97"),
            ("BPOS_S_TODO_1", "5e62787c-c316-451f-b873-1d05acd4d12c"),
            ("VIVAENGAGE_CORE", "a82fbf69-b4d7-49f4-83a6-915b2cf354f4"),
            (
                "VIVA_LEARNING_SEEDED",
                "b76fb638-6ba6-402a-b9f9-83d28acb3d86",
            ),
            ("WHITEBOARD_PLAN1", "b8afc642-032e-4de5-8c0a-507a7bba7e5d"),
            ("YAMMER_ENTERPRISE", "7547a3fe-08ee-4ccb-b430-5077c5041653"),
            ("DYN365_CDS_O365_P1", "40b010bb-0b69-4654-ac5e-ba161433f4b4"),
            ("RMS_S_BASIC", "31cf2cfc-6b0d-4adc-a336-88b724ed8122"),
            ("STREAM_O365_E1", "743dd19e-1ce3-4c62-a3ad-49ba8f63a2f6"),
            ("POWERAPPS_O365_P1", "92f7a6f3-b89b-4bbd-8c30-809e6da5ad1c"),
            ("FLOW_O365_P1", "0f9b09cb-62d1-4ff4-9129-43f4996f83f4"),
            (
                "POWER_VIRTUAL_AGENTS_O365_P1",
                "0683001c-0492-4d59-9515-d9a6426b5813",
            ),
        ],
    },
    Product {
        part: "EMS",
        id: "efccb6f7-5641-4e0e-bd10-b4976e1bf68e",
        plans: &[
            ("AAD_PREMIUM", "41781fb2-bc02-4b7c-bd55-b576c07bb09d"),
            ("RMS_S_PREMIUM", "6c57d4b6-3b23-47a5-9bc9-69f17b4947b3"),
            (
                "ADALLOM_S_DISCOVERY",
                "932ad362-64a8-4783-9106-97849a1a30b9",
            ),
            (
                "EXCHANGE_S_FOUNDATION",
                "113feb6c-3fe4-4440-bddc-54d774bf0318",
            ),
            ("RMS_S_ENTERPRISE", "bea4c11e-220a-4e6d-8eb8-8ea15d019f90"),
            ("MFA_PREMIUM", "8a256a2b-b617-496d-b51b-e76466e88db0"),
            ("INTUNE_A", "c1ec4a95-1f05-45b3-a911-aa3fa01094f5"),
        ],
    },
    Product {
        part: "POWER_BI_PRO",
        id: "f8a1db68-be16-40ed-86d5-cb42ce701560",
        plans: &[
            (
                "EXCHANGE_S_FOUNDATION",
                "113feb6c-3fe4-4440-bddc-54d774bf0318",
            ),
            ("BI_AZURE_P2", "70d33638-9c74-4d01-bfd3-562de28bd4ba"),
        ],
    },
    Product {
        part: "MCOMEETADV",
        id: "0c266dff-15dd-4b49-8397-2bb16070ed52",
        plans: &[("MCOMEETADV", "3e26ee1f-8a5f-4d52-aee2-b81ce45c8f40")],
    },
    Product {
        part: "WORKPLACE_ANALYTICS",
        id: "3d957427-ecdc-4df2-aacd-01cc9d519da8",
        plans: &[
            (
                "WORKPLACE_ANALYTICS",
                "f477b0f0-3bb1-4890-940c-40fcee6ce05f",
            ),
            (
                "WORKPLACE_ANALYTICS_INSIGHTS_BACKEND",
                "ff7b261f-d98b-415b-827c-42a3fdf015af",
            ),
            (
                "WORKPLACE_ANALYTICS_INSIGHTS_USER",
                "b622badb-1b45-48d5-920f-4b27a2c0996c",
            ),
        ],
    },
    // Not in the catalog: the analyzer must take the name from subscribedSkus.
    Product {
        part: "CONTOSO_CUSTOM_ADDON",
        id: "b7e1c9a4-3f2d-4e8a-9c61-5d0f2a7b8e93",
        plans: &[
            (
                "CONTOSO_ADDON_SERVICE",
                "d2a4f6e8-1b3c-4d5e-8f70-9a1b2c3d4e5f",
            ),
            (
                "EXCHANGE_S_FOUNDATION",
                "113feb6c-3fe4-4440-bddc-54d774bf0318",
            ),
        ],
    },
];

pub fn plan_id(sku: SkuIx, name: &str) -> Option<&'static str> {
    SKUS[sku]
        .plans
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, id)| *id)
}

/// Workload shown in `assignedPlans[].service` (approximate, as Graph shows it).
pub fn plan_service(plan: &str) -> &str {
    match plan {
        p if p.starts_with("EXCHANGE_") => "exchange",
        p if p.starts_with("SHAREPOINT") => "SharePoint",
        "MCOSTANDARD" | "MCOMEETADV" => "MicrosoftCommunicationsOnline",
        "TEAMS1" => "TeamspaceAPI",
        "OFFICESUBSCRIPTION" | "OFFICEMOBILE_SUBSCRIPTION" => "MicrosoftOffice",
        p if p.starts_with("RMS_") => "RMSOnline",
        "AAD_PREMIUM" => "AADPremiumService",
        "MFA_PREMIUM" => "MultiFactorService",
        "INTUNE_A" | "INTUNE_O365" => "SCO",
        "ADALLOM_S_DISCOVERY" => "Adallom",
        "YAMMER_ENTERPRISE" => "YammerEnterprise",
        "BI_AZURE_P2" => "PowerBI",
        "PROJECTWORKMANAGEMENT" => "ProjectWorkManagement",
        "SWAY" => "Sway",
        p if p.starts_with("FORMS_PLAN") => "OfficeForms",
        p if p.starts_with("STREAM_") => "MicrosoftStream",
        p if p.starts_with("POWERAPPS_") => "PowerAppsService",
        p if p.starts_with("FLOW_") => "ProcessSimple",
        "MICROSOFTBOOKINGS" => "MicrosoftBookings",
        "WORKPLACE_ANALYTICS" => "WorkplaceAnalytics",
        "CONTOSO_ADDON_SERVICE" => "ContosoAddon",
        p => p,
    }
}

/// Plans whose `provisioningStatus` is not `Success` in subscribedSkus.
pub fn plan_status(plan: &str) -> &'static str {
    match plan {
        "INTUNE_O365" => "PendingActivation",
        "MESH_AVATARS_ADDITIONAL_FOR_TEAMS" => "PendingProvisioning",
        _ => "Success",
    }
}

pub fn plan_applies_to(plan: &str) -> &'static str {
    match plan {
        "M365_LIGHTHOUSE_CUSTOMER_PLAN1" | "WORKPLACE_ANALYTICS_INSIGHTS_BACKEND" => "Company",
        _ => "User",
    }
}

// --- documented failure texts -------------------------------------------------------------------

pub fn count_text(sku: &str, adding: &[&str]) -> String {
    format!(
        "Not enough licenses are available to complete this operation. Purchase more licenses or remove unneeded licenses from users and groups for SKU [{sku}]. Licenses being added: [{}]",
        adding.join(", ")
    )
}

pub const MEV_TEXT: &str = "License assignment failed because service plans [SHAREPOINTSTANDARD], [SHAREPOINTENTERPRISE] are mutually exclusive.";
pub const DEP_TEXT: &str =
    "License assignment failed because service plan [MCOMEETADV] depends on the service plan(s) [MCOSTANDARD].";
pub const PROXY_TEXT: &str = "Proxy address is already being used";
pub const PROHIBITED_TOKEN: &str = "ProhibitedInUsageLocationViolation";
pub const CONCURRENCY_CLASS: &str =
    "Microsoft.Online.Workflows.LicenseAssignmentAttributeConcurrencyException";
pub const CONCURRENCY_TOKEN: &str = "LicenseAssignmentAttributeConcurrencyException";
/// An error code licdiag does not know: reported verbatim.
pub const UNKNOWN_CODE: &str = "LicenseServiceUnavailableViolation";
pub const WPA_TEXT: &str = "License operation failed. Make sure that the group has necessary services before adding or removing a dependent service. The service Microsoft Workplace Analytics requires Exchange Online (Plan 2) to be enabled as well.";
/// additionalDetails key carrying a failure text (the field is [unverified]; the fixtures use it too).
pub const ERROR_DETAIL_KEY: &str = "ErrorMessage";
