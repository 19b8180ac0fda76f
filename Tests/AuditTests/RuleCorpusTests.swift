import Audit
import Compose
import Foundation
import Testing

@Suite("Audit rules against the corpus")
struct RuleCorpusTests {
    /// Every rule id, including the suppression check the auditor adds itself.
    static let ruleIDs = RuleCatalog.all.map(\.id) + [Auditor.suppressionWithoutReasonRule]

    @Test("every rule reports the bad service on the marked lines and never the good one", arguments: ruleIDs)
    func ruleCorpus(rule: String) throws {
        let file = Corpus.rule(rule)
        #expect(FileManager.default.fileExists(atPath: file), "no corpus file for rule \(rule)")
        let project = try ComposeLoader.load(files: [file], environment: [:])
        let report = Auditor().audit(project)
        let hits = report.findings.filter { $0.rule == rule }
        #expect(!hits.isEmpty, "rule \(rule) found nothing in its positive case")
        #expect(hits.allSatisfy { $0.service == "bad" }, "rule \(rule) reported 'good': \(hits.filter { $0.service != "bad" })")
        #expect(Set(hits.map(\.location.line)) == (try Corpus.expectedLines(in: file)), "rule \(rule) lines")
        #expect(hits.allSatisfy { $0.location.file == file && !$0.message.isEmpty && !$0.fix.isEmpty })
    }

    @Test("every rule names its why, its fix and (for KICS/CIS ones) its source")
    func ruleMetadata() {
        let ids = RuleCatalog.all.map(\.id)
        #expect(Set(ids).count == ids.count, "rule ids must be unique")
        for rule in RuleCatalog.all {
            #expect(!rule.why.isEmpty && !rule.fix.isEmpty && !rule.title.isEmpty, "\(rule.id)")
        }
        let references = Set(RuleCatalog.all.flatMap(\.references))
        let kicsQueries = [
            "cgroup_not_default", "check_cap_add_cap_drop", "container_capabilities_unrestricted",
            "container_traffic_not_bound_to_host_interface", "cpus_not_limited", "default_seccomp_profile_disabled",
            "docker_socket_mounted_in_container", "healthcheck_not_set", "host_namespace_is_shared", "ipc_set_to_host",
            "memory_not_limited", "network_mode_host_exists", "networks_not_set", "no_new_privileges_not_set",
            "pids_limit_not_set", "privileged_containers_enabled", "privileged_ports_mapped_in_container",
            "restart_policy_on_failure_not_set_to_5", "seccomp_disabled", "security_opt_not_set",
            "shared_host_ipc_namespace", "shared_host_network_namespace", "shared_host_user_namespace",
            "shared_volumes_between_containers", "userns_set_to_host", "volume_has_sensitive_host_directory",
            "volume_mounted_in_multiple_containers",
        ]
        for query in kicsQueries {
            #expect(references.contains("KICS \(query)"), "no rule covers KICS \(query)")
        }
    }

    @Test("a suppression with a reason hides the finding and keeps it as suppressed")
    func suppressionWithReason() throws {
        let project = try ComposeLoader.load(files: [Corpus.rule("suppression-without-reason")], environment: [:])
        let report = Auditor().audit(project)
        #expect(report.findings.contains { $0.rule == "privileged" } == false)
        #expect(report.suppressed.isEmpty, "nothing in this corpus is privileged")
        let privileged = try ComposeLoader.load(files: [Corpus.rule("privileged")], environment: [:])
        var service = try #require(privileged.services["bad"])
        service.suppressions = [ComposeSuppression(rule: "privileged", reason: "lab host", location: service.location)]
        var edited = privileged
        edited.services["bad"] = service
        let suppressedReport = Auditor().audit(edited)
        #expect(!suppressedReport.findings.contains { $0.rule == "privileged" })
        #expect(suppressedReport.suppressed.map(\.rule) == ["privileged"])
    }
}
