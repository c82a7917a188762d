import Foundation
import HTTPCaching

/// A complete response to record: its request, head, body blob (if kept) and times.
public struct RecordedExchange: Sendable, Hashable {
    /// The request that was sent.
    public var request: HTTPRequestHead
    /// The response head that arrived.
    public var response: HTTPResponseHead
    /// The body's blob, when it was kept; nil otherwise.
    public var body: StoredBlob?
    /// When the request was sent.
    public var requestTime: Date
    /// When the response arrived.
    public var responseTime: Date
    /// Keep the body of a refused response as `archived`, as an index policy with `--archive`
    /// would (``Store/recordingPlan(request:response:archivingRefused:)-(HTTPRequestHead,_,_)``).
    public var archivingRefused: Bool
    /// The request's URL normalized, when the exchange was made from a ``StoreRequest``.
    var normalizedURL: NormalizedURL?

    /// Creates an exchange to record.
    public init(request: HTTPRequestHead, response: HTTPResponseHead, body: StoredBlob?, requestTime: Date, responseTime: Date, archivingRefused: Bool = false) {
        self.request = request
        self.response = response
        self.body = body
        self.requestTime = requestTime
        self.responseTime = responseTime
        self.archivingRefused = archivingRefused
    }

    /// An exchange of a request whose URL is normalized already.
    init(request: StoreRequest, response: HTTPResponseHead, body: StoredBlob?, requestTime: Date, responseTime: Date, archivingRefused: Bool) {
        self.init(request: request.head, response: response, body: body, requestTime: requestTime, responseTime: responseTime, archivingRefused: archivingRefused)
        normalizedURL = request.url
    }
}
