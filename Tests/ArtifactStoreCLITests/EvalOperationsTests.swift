import Foundation
import Testing

/// `debug eval` end to end: a JSON line in, the documented JSON line out, through the binary.
@Suite("debug eval operations")
struct EvalOperationsTests {
    func evaluate(_ lines: [String]) throws -> [[String: Any]] {
        let result = try run(["debug", "eval"], stdin: Data(lines.joined(separator: "\n").utf8))
        #expect(result.status == 0, "\(result.stderr)")
        return result.output.split(separator: "\n").map {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) ?? [:]
        }
    }

    @Test("http.evaluate: PyPI's max-age=600 page with Vary: Accept is fresh and revalidates with its ETag")
    func pypiPage() throws {
        let output = try evaluate([#"""
            {"op":"http.evaluate","id":"pypi","request":{"method":"GET","url":"https://pypi.org/simple/torch/","headers":[["Accept","application/vnd.pypi.simple.v1+json"]]},"response":{"status":200,"headers":[["Cache-Control","max-age=600, public"],["Vary","Accept"],["ETag","\"abc\""],["Date","Tue, 03 Mar 2026 10:42:00 GMT"]]},"requestTime":1772534520,"responseTime":1772534520,"now":1772534580,"newRequest":{"method":"GET","url":"https://pypi.org/simple/torch/","headers":[["Accept","text/html"]]}}
            """#])
        let line = try #require(output.first)
        #expect(line["id"] as? String == "pypi")
        #expect(line["storable"] as? Bool == true)
        #expect(line["freshnessLifetime"] as? Int == 600)
        #expect(line["age"] as? Int == 60)
        #expect(line["ttl"] as? Int == 540)
        #expect(line["fresh"] as? Bool == true)
        #expect(line["reusable"] as? Bool == false, "the new request's Accept differs: Vary forbids reuse")
        #expect((line["revalidationHeaders"] as? [String: String])?["If-None-Match"] == "\"abc\"")
    }

    @Test("http.evaluate: PyTorch's no-cache,no-store,must-revalidate page is refused with its reason code")
    func pytorchPage() throws {
        let output = try evaluate([#"""
            {"op":"http.evaluate","request":{"method":"GET","url":"https://download.pytorch.org/whl/cpu/torch/","headers":[]},"response":{"status":200,"headers":[["Cache-Control","no-cache,no-store,must-revalidate"]]},"responseTime":1772534520,"now":1772534580}
            """#])
        let line = try #require(output.first)
        #expect(line["storable"] as? Bool == false)
        #expect((line["refusalReasons"] as? [String])?.contains("no-store-response") == true)
        #expect(line["reusable"] as? Bool == false)
    }

    @Test("http.evaluate: missing fields are an error line naming the field, and the run goes on")
    func badInput() throws {
        let output = try evaluate([
            #"{"op":"http.evaluate","id":1,"request":{"method":"GET","url":"https://x/"}}"#,
            #"{"op":"version.compare","id":2,"left":"1.0","right":"1.0.0"}"#,
        ])
        #expect(output.count == 2)
        #expect((output[0]["error"] as? [String: Any])?["code"] as? String == "invalid-input")
        #expect(output[1]["cmp"] as? Int == 0)
    }

    @Test("packaging ops answer as packaging does", arguments: [
        (#"{"op":"name.normalize","input":"Foo.Bar__baz"}"#, "normalized", "foo-bar-baz"),
        (#"{"op":"version.parse","input":"v1.0RC1"}"#, "normalized", "1.0rc1"),
        (#"{"op":"wheel.parse","filename":"torch-2.0.1+cpu-cp311-cp311-linux_x86_64.whl"}"#, "version", "2.0.1+cpu"),
    ])
    func packaging(input: String, field: String, expected: String) throws {
        let line = try #require(try evaluate([input]).first)
        #expect(line[field] as? String == expected, "\(line)")
    }

    @Test("tags.supported lists cp311 manylinux tags best first")
    func supportedTags() throws {
        let line = try #require(try evaluate([#"""
            {"op":"tags.supported","implementation":"cpython","interpreter":"cp311","pythonVersion":[3,11],"abis":["cp311"],"platforms":["manylinux_2_28_x86_64","manylinux_2_17_x86_64","linux_x86_64"]}
            """#]).first)
        let tags = try #require(line["tags"] as? [String])
        #expect(tags.first == "cp311-cp311-manylinux_2_28_x86_64")
        #expect(tags.last == "py30-none-any")
        #expect(tags.contains("cp311-abi3-linux_x86_64"))
    }

    @Test("marker.evaluate: a result with the canonical form, a parse error with its column, an unknown variable refused")
    func markerEvaluate() throws {
        let output = try evaluate([
            #"{"op":"marker.evaluate","marker":"python_version>='3.9' and extra == 'Socks'","environment":{"python_version":"3.11"},"extras":["socks"]}"#,
            #"{"op":"marker.evaluate","marker":"os_name = 'nt'"}"#,
            #"{"op":"marker.evaluate","marker":"os_name ~= 'nt'","environment":{"os_name":"nt"}}"#,
            #"{"op":"marker.evaluate","marker":"os_name == 'nt'","environment":{"extra":"x"}}"#,
        ])
        #expect(output.count == 4)
        #expect(output[0]["valid"] as? Bool == true && output[0]["result"] as? Bool == true)
        #expect(output[0]["canonical"] as? String == #"python_version >= "3.9" and extra == "socks""#)
        #expect(output[1]["valid"] as? Bool == false && output[1]["errorColumn"] as? Int == 9)
        #expect(output[2]["result"] as? Bool == false && output[2]["undefined"] as? Bool == true)
        #expect((output[3]["error"] as? [String: Any])?["code"] as? String == "invalid-input")
    }
}
