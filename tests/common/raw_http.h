// A real HTTP/1.1 client on loopback for tests: one TCP connection, raw bytes in and out, every
// wait bounded, so a test sees exactly what a browser or a script would get (headers, keep-alive,
// a connection the server closes).
#pragma once

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dsptsync::testing {

struct Answer {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string header(const std::string& name) const {
    auto found = headers.find(name);
    return found == headers.end() ? "" : found->second;
  }
  nlohmann::json parsed() const { return nlohmann::json::parse(body, nullptr, false); }
};

// One TCP connection to the server; every wait is bounded by kStep.
class RawHttp {
 public:
  static constexpr auto kStep = std::chrono::seconds(10);  // no exchange may take longer

  // From `source`, when given: any 127.x.y.z address is this machine, so a test can be several clients.
  explicit RawHttp(std::uint16_t port, const char* source = nullptr) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    if (source && (::inet_pton(AF_INET, source, &local.sin_addr) != 1 ||
                   ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0))
      throw std::runtime_error(std::string("cannot connect from ") + source);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
      throw std::runtime_error("cannot connect to the server");
  }
  ~RawHttp() { ::close(fd_); }
  RawHttp(const RawHttp&) = delete;
  RawHttp& operator=(const RawHttp&) = delete;

  // Writes all of `bytes`; false if the server closed the connection first.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const auto sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
  }

  // The next whole response (HEAD: no body whatever Content-Length says), or nothing if the
  // connection ended (or kStep passed) first.
  std::optional<Answer> next(bool head = false) {
    const auto deadline = std::chrono::steady_clock::now() + kStep;
    for (;;) {
      if (auto answer = take(head)) return answer;
      if (!fill(deadline)) return take(head);
    }
  }

  // True when the server ends the connection (EOF or reset) within kStep, with nothing more sent.
  bool closed_by_server() {
    const auto deadline = std::chrono::steady_clock::now() + kStep;
    while (fill(deadline)) {
    }
    return eof_ && buffer_.empty();
  }

 private:
  // Reads what arrives; false at EOF, on an error or at the deadline.
  bool fill(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd waiting{fd_, POLLIN, 0};
    if (::poll(&waiting, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[16384];
    const auto got = ::recv(fd_, chunk, sizeof chunk, 0);
    if (got <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(got));
    return true;
  }

  std::optional<Answer> take(bool head) {
    const auto end_of_headers = buffer_.find("\r\n\r\n");
    if (end_of_headers == std::string::npos) return std::nullopt;
    Answer answer;
    std::size_t line_start = 0;
    bool first = true;
    while (line_start < end_of_headers) {
      auto line_end = buffer_.find("\r\n", line_start);
      const std::string line = buffer_.substr(line_start, line_end - line_start);
      line_start = line_end + 2;
      if (first) {
        first = false;
        if (line.rfind("HTTP/1.1 ", 0) != 0) throw std::runtime_error("not an HTTP/1.1 response: " + line);
        answer.status = std::stoi(line.substr(9, 3));
        continue;
      }
      const auto colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      answer.headers[name] = value;
    }
    const std::size_t length = head ? 0 : std::stoul(answer.header("content-length").empty() ? "0" : answer.header("content-length"));
    if (buffer_.size() < end_of_headers + 4 + length) return std::nullopt;
    answer.body = buffer_.substr(end_of_headers + 4, length);
    buffer_.erase(0, end_of_headers + 4 + length);
    return answer;
  }

  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

}  // namespace dsptsync::testing
