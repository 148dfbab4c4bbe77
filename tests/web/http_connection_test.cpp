// The HTTP/1.1 handling both listeners share (web/transport/http_connection.h), over a real socket
// on 127.0.0.1: a listener coroutine reads each request with it and answers through it, and a plain
// blocking client sends raw bytes and reads the answer to the end.
#include "dsptsync/limits.h"
#include "http_connection.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace dsptsync::web::transport {
namespace {

using tcp = net::ip::tcp;

// Serves one connection: each request is answered by `answer` (or refused as the transports refuse
// it), until the client closes. Runs on its own thread; stops by itself once the connection ends.
class OneConnectionServer {
 public:
  explicit OneConnectionServer(std::function<HttpResponse(const HttpRequest&)> answer)
      : answer_(std::move(answer)), acceptor_(io_, tcp::endpoint(net::ip::address_v4::loopback(), 0)) {
    net::co_spawn(io_, serve(), net::detached);
    thread_ = std::thread([this] { io_.run_for(std::chrono::seconds(20)); });
  }
  ~OneConnectionServer() {
    io_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  awaitable<void> serve() {
    auto [accept_ec, socket] = co_await acceptor_.async_accept(tuple_awaitable);
    if (accept_ec) co_return;
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (std::size_t served = 0;; ++served) {
      HeaderParser parser;
      if (const auto ec = co_await read_header(stream, buffer, parser)) {
        auto refusal = unreadable_request(ec, "the test listener",
                                          [](int status, std::string message) { return api_error(status, "x", message); });
        if (refusal) co_await write_response(stream, std::move(*refusal), 11, false, false);
        co_return;
      }
      const unsigned version = parser.get().version();
      const bool keep_alive = asks_keep_alive(parser.get(), served);
      HttpRequest request = web_request(parser.get(), "127.0.0.1", false);
      beast::error_code ec;
      if (auto refused = co_await read_body(stream, buffer, parser, request, ec)) {
        co_await write_response(stream, std::move(*refused), version, false, false);
        co_return;
      }
      if (ec || !co_await write_response(stream, answer_(request), version, false, keep_alive) || !keep_alive)
        co_return;
    }
  }

  std::function<HttpResponse(const HttpRequest&)> answer_;
  net::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

// Sends `request` and reads until the server closes (a 5 s bound on the whole exchange).
std::string exchange(std::uint16_t port, const std::string& request) {
  net::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(net::ip::address_v4::loopback(), port));
  net::write(socket, net::buffer(request));
  const timeval timeout{5, 0};
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string answer;
  char chunk[4096];
  boost::system::error_code ec;
  while (std::size_t n = socket.read_some(net::buffer(chunk), ec)) answer.append(chunk, n);
  return answer;
}

TEST(HttpConnection, EveryHeaderOfAResponseIsSentEvenWhenTwoShareAName) {
  OneConnectionServer server([](const HttpRequest&) {
    HttpResponse response = json_response(200, {{"ok", true}});
    response.headers.emplace_back("Set-Cookie", "dsptsync_session=abc; HttpOnly");
    response.headers.emplace_back("Set-Cookie", "dsptsync_csrf=def");
    return response;
  });
  const std::string answer = exchange(server.port(), "GET /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_NE(answer.find("HTTP/1.1 200 OK"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Set-Cookie: dsptsync_session=abc; HttpOnly\r\n"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Set-Cookie: dsptsync_csrf=def\r\n"), std::string::npos) << answer;
}

TEST(HttpConnection, TheRequestReachesTheAppWithItsHeadersAndBody) {
  HttpRequest seen;
  {
    OneConnectionServer server([&](const HttpRequest& request) {
      seen = request;
      return json_response(200, {{"ok", true}});
    });
    exchange(server.port(),
             "PUT /api/assessment/V8X4R/items/1.1.5/answer?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-CSRF-Token: t0k\r\n"
             "Content-Length: 11\r\n\r\n{\"text\":1}\n");
  }  // the listener's thread has ended: what it saw can be read
  EXPECT_EQ(seen.method, "PUT");
  EXPECT_EQ(seen.path(), "/api/assessment/V8X4R/items/1.1.5/answer");
  EXPECT_EQ(seen.header("x-csrf-token"), "t0k");
  EXPECT_EQ(seen.body, "{\"text\":1}\n");
  EXPECT_EQ(seen.peer_address, "127.0.0.1");
}

TEST(HttpConnection, BodiesWithoutALengthOrOverTheLimitAreRefusedUnread) {
  std::atomic<int> answered = 0;
  auto count = [&](const HttpRequest&) {
    ++answered;
    return json_response(200, {{"ok", true}});
  };
  {
    OneConnectionServer server(count);
    const std::string big = std::to_string(limits::kMaxWebRequestBodyBytes + 1);
    const std::string answer =
        exchange(server.port(), "POST /api/sync HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + big + "\r\n\r\n{}");
    EXPECT_NE(answer.find("HTTP/1.1 413"), std::string::npos) << answer;
  }
  {
    OneConnectionServer server(count);
    const std::string answer = exchange(
        server.port(), "POST /api/sync HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
    EXPECT_NE(answer.find("HTTP/1.1 411"), std::string::npos) << answer;
  }
  EXPECT_EQ(answered, 0);
}

TEST(HttpConnection, OversizedOrMalformedHeadersGetAnAnswerBeforeTheConnectionCloses) {
  auto never = [](const HttpRequest&) -> HttpResponse { ADD_FAILURE() << "the app was asked"; return {}; };
  {
    OneConnectionServer server(never);
    const std::string answer = exchange(server.port(), "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " +
                                                           std::string(limits::kMaxHttpHeaderBytes, 'a') + "\r\n\r\n");
    EXPECT_NE(answer.find("HTTP/1.1 431"), std::string::npos) << answer.substr(0, 200);
  }
  {
    OneConnectionServer server(never);
    const std::string answer = exchange(server.port(), "HELLO THERE\r\n\r\n");
    EXPECT_NE(answer.find("HTTP/1.1 400"), std::string::npos) << answer;
    EXPECT_NE(answer.find("not HTTP/1.1 the test listener can read"), std::string::npos) << answer;
  }
}

TEST(HttpConnection, KeepAliveOnlyWhenAskedAndTheConnectionThenServesTheNextRequest) {
  int answered = 0;
  std::string answer;
  {
    OneConnectionServer server([&](const HttpRequest&) {
      ++answered;
      return json_response(200, {{"n", answered}});
    });
    answer = exchange(server.port(),
                      "GET /a HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n"
                      "GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
  }
  EXPECT_EQ(answered, 2);
  const auto second = answer.find("HTTP/1.1 200", 1);
  ASSERT_NE(second, std::string::npos) << answer;
  EXPECT_EQ(answer.substr(0, second).find("Connection: close"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Connection: close", second), std::string::npos) << answer;
}

}  // namespace
}  // namespace dsptsync::web::transport
