//! The parsers and interpreters never panic, whatever the bytes.

use chartdesk::audit::Actor;
use chartdesk::import;
use chartdesk::store::Store;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parsers_never_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = import::parse_fhir(&bytes, "x.json");
        let _ = import::parse_hl7(&bytes, "x.hl7");
    }

    #[test]
    fn fhir_parser_never_panics_on_resource_like_text(s in "\\PC{0,300}") {
        let text = format!("{{\"resourceType\":{s}");
        let _ = import::parse_fhir(text.as_bytes(), "x.json");
        let text = format!("{{\"resourceType\":\"Bundle\",\"entry\":[{{\"resource\":{{\"resourceType\":\"Encounter\",{s}");
        let _ = import::parse_fhir(text.as_bytes(), "x.json");
    }

    #[test]
    fn hl7_parser_never_panics_on_msh_like_text(s in "[A-Z0-9|^~\\\\&\\r\\n .\"+-]{0,400}") {
        let text = format!("MSH|^~\\&|{s}");
        let _ = import::parse_hl7(text.as_bytes(), "x.hl7");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Through the whole import (interpretation and writes): any ADT-shaped text either
    /// imports or is rejected, never panics, and the audit chain stays valid.
    #[test]
    fn hl7_import_never_panics(pid in "[A-Z0-9^~&|\"]{0,40}", pv1 in "[A-Z0-9^~&|\"+-]{0,80}",
                               ev in "(A01|A03|A08|A11|A13|T02|T08)") {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open_or_create(&dir.path().join("p.db")).expect("open");
        let kind = if ev.starts_with('T') { "MDM" } else { "ADT" };
        let text = format!("MSH|^~\\&|A|F|||20240101||{kind}^{ev}|1|P|2.5\rPID|1||{pid}\rPV1|{pv1}\rTXA|1|DS||||||||||U1\rOBX|1|TX|||{pid}\r");
        let p = dir.path().join("m.hl7");
        std::fs::write(&p, text).expect("write");
        let s = import::import_hl7(&mut store, &Actor::system("p"), &[p], &mut |_, _| {}).expect("batch");
        prop_assert_eq!(s.files.len(), 1);
        prop_assert!(chartdesk::audit::verify(store.conn(), &[]).expect("verify").ok());
    }
}
