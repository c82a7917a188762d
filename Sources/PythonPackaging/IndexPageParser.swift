// PEP 503 HTML project pages → ProjectPage.

/// Reads a PEP 503 HTML page the way pip's `HTMLLinkParser` + `Link.from_element` do
/// (pip/_internal/index/collector.py, models/link.py), on top of a WHATWG tokenizer instead of
/// Python's `html.parser`.
///
/// Deliberate differences from pip 23.2.1 (scripts/differential-pages.py checks the rest):
/// - A valueless `data-yanked` means yanked (PEP 592: presence); pip's `html.parser` gives the
///   value `None` and pip then ignores it. Likewise a valueless `data-core-metadata` means available.
/// - `data-core-metadata="false"` means unavailable (uv); pip reads any value but `true` or
///   `algorithm=digest` as "available, no hash".
/// - Duplicate attributes: the first wins (WHATWG); pip's `dict(attrs)` keeps the last.
/// - Character references follow WHATWG, including its attribute rule (`href="?a&copy=1"` keeps
///   `&copy`), except in `data-requires-python`, decoded as pip does (`&gt=3.8` is `>=3.8`).
///   Numeric references to C0/C1 controls and noncharacters are kept (WHATWG); Python drops them.
/// - `<base href>` is resolved against the page URL (WHATWG); pip joins links onto the raw value,
///   so a relative base gives pip relative links.
/// - URLs: RFC 3986 resolution, then only characters a URI cannot contain are percent-encoded;
///   pip re-quotes the path (`quote(unquote(path))`, so a literal `+` becomes `%2B`). Python's
///   `urljoin` also drops empty segments (`a//b`) and leaves dot segments in scheme-relative or
///   absolute hrefs; RFC 3986 does neither.
/// - Hashes are read from the fragment only; pip also finds `&sha256=…` in a query.
/// - `<title>`, `<textarea>` (RCDATA) and `<xmp>`, `<iframe>`, `<noembed>`, `<noframes>` (RAWTEXT)
///   hide anchors inside them, as in a browser; Python's parser only does so for `<script>`/`<style>`.
enum IndexPageHTMLParser {
    static func parse(_ bytes: [UInt8], url: String, warnings initialWarnings: ProjectPageWarningCollector) throws(ProjectPageError) -> ProjectPage {
        var warnings = initialWarnings
        var anchors: [HTMLStartTag] = []
        var baseHref: String?
        var repositoryVersion: String?
        HTMLTokenizer.forEachToken(in: bytes, includeText: false, attributesDecodedAsText: ["data-requires-python"]) { token in
            guard case .startTag(let tag) = token else { return }
            switch tag.name {
            case "a":
                anchors.append(tag)
            case "base":
                // The first <base> with an href wins (WHATWG HTML §4.2.3; pip keeps the first too).
                if baseHref == nil, let href = tag[attribute: "href"] { baseHref = href }
            case "meta":
                // PEP 629: <meta name="pypi:repository-version" content="1.0">.
                if repositoryVersion == nil, tag[attribute: "name"] == "pypi:repository-version" {
                    repositoryVersion = tag[attribute: "content"]
                }
            default:
                break
            }
        }
        let apiVersion = try ProjectPage.checkAPIVersion(repositoryVersion, warnings: &warnings)
        var files: [ProjectFile] = []
        files.reserveCapacity(anchors.count)
        let resolver = LinkResolver(pageURL: url, baseHref: baseHref)
        for anchor in anchors {
            // pip: `if not href: return None` — an anchor without href, or with an empty one, is no link.
            guard let href = anchor[attribute: "href"], !href.isEmpty else { continue }
            files.append(file(from: anchor, href: href, resolver: resolver, warnings: &warnings))
        }
        return ProjectPage(format: .html, apiVersion: apiVersion, files: files, warnings: warnings.all)
    }

    static func file(
        from anchor: HTMLStartTag, href: String, resolver: LinkResolver, warnings: inout ProjectPageWarningCollector
    ) -> ProjectFile {
        let link = resolver.resolve(href: href)
        var file = ProjectFile(filename: link.filename, url: link.url)
        if let hash = link.hash { file.hashes[hash.algorithm] = hash.value }
        var coreMetadata: String?
        var distInfoMetadata: String?
        for attribute in anchor.attributes {
            switch attribute.name {
            case "data-requires-python":
                // PEP 503: HTML-escaped (the tokenizer decoded it). pip: empty means none.
                file.requiresPython = attribute.value.isEmpty ? nil : attribute.value
            case "data-yanked":
                // PEP 592: the attribute's presence means yanked; its value, if any, is the reason.
                file.yanked = true
                file.yankedReason = attribute.value.isEmpty ? nil : attribute.value
            case "data-core-metadata":
                coreMetadata = attribute.value
            case "data-dist-info-metadata":
                distInfoMetadata = attribute.value
            case "data-gpg-sig":
                switch attribute.value {
                case "true": file.gpgSig = true
                case "false": file.gpgSig = false
                default: warnings.add("invalid-gpg-sig", "data-gpg-sig=\"\(attribute.value)\" on \(link.filename) is neither true nor false; ignored")
                }
            default:
                break
            }
        }
        // PEP 714: prefer data-core-metadata, fall back to data-dist-info-metadata (PEP 658).
        if let value = coreMetadata ?? distInfoMetadata {
            file.coreMetadata = Self.coreMetadata(attributeValue: value, filename: link.filename, warnings: &warnings)
        }
        return file
    }

    /// PEP 658 attribute value: `true`, or `algorithm=digest`. As pip: hashes of algorithms it does
    /// not support are dropped (the file is still available); a value of neither form means
    /// "available, no hash". Unlike pip 23.2.1, `false` means unavailable (as uv reads it).
    static func coreMetadata(attributeValue value: String, filename: String, warnings: inout ProjectPageWarningCollector) -> CoreMetadata {
        switch value {
        case "true":
            return CoreMetadata(available: true)
        case "false":
            return .unavailable
        default:
            guard let equals = value.firstIndex(of: "=") else {
                warnings.add("invalid-core-metadata", "metadata attribute \"\(value)\" on \(filename) is neither true nor algorithm=digest; read as available without hash")
                return CoreMetadata(available: true)
            }
            let algorithm = String(value[..<equals])
            guard LinkResolution.supportedHashAlgorithms.contains(algorithm) else {
                return CoreMetadata(available: true)
            }
            return CoreMetadata(available: true, hashes: [algorithm: String(value[value.index(after: equals)...])])
        }
    }
}
