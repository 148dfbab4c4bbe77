// The platform seam on Windows (platform.h). Every call into Windows takes and gives UTF-16; the
// conversions to and from dsptsync's UTF-8 happen here.
#include "dsptsync/platform.h"

#include <sodium.h>

#include <windows.h>
// After windows.h:
#include <dpapi.h>
#include <fcntl.h>
#include <io.h>
#include <sddl.h>
#include <shellapi.h>
#include <shlobj.h>
#include <wincrypt.h>
#define SECURITY_WIN32
#include <secext.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <utility>

namespace dsptsync::platform {
namespace {

// A sealed key file starts with this, then holds DPAPI's blob (CryptProtectData).
constexpr std::string_view kSealedMagic = "dsptsync-dpapi-1\n";
// Closing the console window ends the process when the handler returns; Windows waits about five
// seconds for it. The handler waits this long for the command to finish (main's return ends the
// process, and this wait with it).
constexpr DWORD kCloseGraceMs = 4500;

std::wstring wide(std::string_view text) {
  if (text.empty()) return {};
  const int n = MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
  std::wstring out(static_cast<std::size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), out.data(), n);
  return out;
}

std::string narrow(std::wstring_view text) {
  if (text.empty()) return {};
  const int n =
      WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0, nullptr, nullptr);
  std::string out(static_cast<std::size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), out.data(), n, nullptr, nullptr);
  return out;
}

// The system's words for the last error, e.g. "The file exists."
std::string last_error_text(DWORD code = GetLastError()) {
  wchar_t* buffer = nullptr;
  const DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                                     FORMAT_MESSAGE_IGNORE_INSERTS,
                                 nullptr, code, 0, reinterpret_cast<wchar_t*>(&buffer), 0, nullptr);
  std::string text = n ? narrow(std::wstring_view(buffer, n)) : "Windows error " + std::to_string(code);
  LocalFree(buffer);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '.'))
    text.pop_back();
  return text;
}

Error last_error() {
  const DWORD code = GetLastError();
  const bool exists = code == ERROR_FILE_EXISTS || code == ERROR_ALREADY_EXISTS;
  return make_error(exists ? ErrorKind::refused : ErrorKind::io, last_error_text(code));
}

struct HandleCloser {
  void operator()(HANDLE handle) const { CloseHandle(handle); }
};
using Handle = std::unique_ptr<void, HandleCloser>;

std::atomic<bool>* g_stop_flag = nullptr;

BOOL WINAPI on_console_event(DWORD event) {
  if (!g_stop_flag) return FALSE;
  g_stop_flag->store(true);
  if (event == CTRL_CLOSE_EVENT || event == CTRL_LOGOFF_EVENT || event == CTRL_SHUTDOWN_EVENT) Sleep(kCloseGraceMs);
  return TRUE;
}

// A security descriptor whose access list grants the current user, and no one else, full control
// (and is protected from inheriting the folder's entries). Freed with LocalFree.
PSECURITY_DESCRIPTOR owner_only_descriptor() {
  HANDLE token = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) return nullptr;
  Handle token_handle(token);
  DWORD size = 0;
  GetTokenInformation(token, TokenUser, nullptr, 0, &size);
  std::vector<unsigned char> buffer(size);
  if (!GetTokenInformation(token, TokenUser, buffer.data(), size, &size)) return nullptr;
  wchar_t* sid = nullptr;
  if (!ConvertSidToStringSidW(reinterpret_cast<TOKEN_USER*>(buffer.data())->User.Sid, &sid)) return nullptr;
  const std::wstring sddl = L"D:P(A;;FA;;;" + std::wstring(sid) + L")";
  LocalFree(sid);
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1, &descriptor, nullptr))
    return nullptr;
  return descriptor;
}

Result<Bytes> dpapi(bool seal, ByteView input) {
  DATA_BLOB in{static_cast<DWORD>(input.size()), const_cast<BYTE*>(input.data())};
  DATA_BLOB out{};
  const BOOL done = seal ? CryptProtectData(&in, L"dsptsync store key", nullptr, nullptr, nullptr,
                                            CRYPTPROTECT_UI_FORBIDDEN, &out)
                         : CryptUnprotectData(&in, nullptr, nullptr, nullptr, nullptr, CRYPTPROTECT_UI_FORBIDDEN, &out);
  if (!done) return make_error(seal ? ErrorKind::io : ErrorKind::refused, last_error_text());
  Bytes bytes(out.pbData, out.pbData + out.cbData);
  sodium_memzero(out.pbData, out.cbData);
  LocalFree(out.pbData);
  return bytes;
}

// PEM text of one DER certificate.
std::string pem_of(const BYTE* der, DWORD size) {
  std::string base64(sodium_base64_encoded_len(size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(base64.data(), base64.size(), der, size, sodium_base64_VARIANT_ORIGINAL);
  base64.resize(std::strlen(base64.c_str()));
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (std::size_t at = 0; at < base64.size(); at += 64) pem += base64.substr(at, 64) + "\n";
  return pem + "-----END CERTIFICATE-----\n";
}

}  // namespace

std::vector<std::string> utf8_arguments(int argc, char** argv) {
  int count = 0;
  wchar_t** wide_argv = CommandLineToArgvW(GetCommandLineW(), &count);
  if (!wide_argv) return {argv, argv + argc};
  std::vector<std::string> arguments;
  for (int i = 0; i < count; ++i) arguments.push_back(narrow(wide_argv[i]));
  LocalFree(wide_argv);
  return arguments;
}

void prepare_console() {
  SetConsoleOutputCP(CP_UTF8);
  // Binary mode: '\n' stays '\n' in files and pipes (JSON read by scripts); consoles show it the same.
  _setmode(_fileno(stdout), _O_BINARY);
  _setmode(_fileno(stderr), _O_BINARY);
}

void keep_own_console_open() {
  DWORD processes[2];
  DWORD mode = 0;
  const bool typed_into = GetConsoleMode(GetStdHandle(STD_INPUT_HANDLE), &mode);
  if (!typed_into || GetConsoleProcessList(processes, 2) != 1) return;
  std::fputs("\nPress Enter to close this window.\n", stderr);
  std::getchar();
}

std::optional<std::string> environment(std::string_view name) {
  const std::wstring key = wide(name);
  const DWORD size = GetEnvironmentVariableW(key.c_str(), nullptr, 0);
  if (size <= 1) return std::nullopt;
  std::wstring value(size, L'\0');
  const DWORD n = GetEnvironmentVariableW(key.c_str(), value.data(), size);
  value.resize(n);
  return narrow(value);
}

std::optional<std::filesystem::path> user_data_dir() {
  if (auto local = environment("LOCALAPPDATA")) return path_from_utf8(*local);
  wchar_t* folder = nullptr;
  std::optional<std::filesystem::path> path;
  if (SHGetKnownFolderPath(FOLDERID_LocalAppData, 0, nullptr, &folder) == S_OK) path = std::filesystem::path(folder);
  CoTaskMemFree(folder);
  return path;
}

std::string login_name() {
  wchar_t buffer[512] = {};
  ULONG size = 512;
  if (GetUserNameExW(NameDisplay, buffer, &size) && size > 0) return narrow(std::wstring_view(buffer, size));
  DWORD login_size = 512;
  if (GetUserNameW(buffer, &login_size) && login_size > 1) return narrow(std::wstring_view(buffer, login_size - 1));
  return environment("USERNAME").value_or("");
}

std::string host_name() {
  wchar_t buffer[MAX_COMPUTERNAME_LENGTH + 1] = {};
  DWORD size = MAX_COMPUTERNAME_LENGTH + 1;
  if (!GetComputerNameW(buffer, &size)) return "device";
  return narrow(std::wstring_view(buffer, size));
}

void stop_on_request(std::atomic<bool>& flag) {
  g_stop_flag = &flag;
  SetConsoleCtrlHandler(on_console_event, TRUE);
}

void open_in_browser(const std::string& url) {
  // ShellExecute may use COM to find the handler of http links.
  const HRESULT com = CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED | COINIT_DISABLE_OLE1DDE);
  ShellExecuteW(nullptr, L"open", wide(url).c_str(), nullptr, nullptr, SW_SHOWNORMAL);
  if (SUCCEEDED(com)) CoUninitialize();
}

Status write_new_file(const std::filesystem::path& path, std::string_view content, FileAccess access) {
  SECURITY_ATTRIBUTES attributes{sizeof(SECURITY_ATTRIBUTES), nullptr, FALSE};
  if (access == FileAccess::owner_only) {
    attributes.lpSecurityDescriptor = owner_only_descriptor();
    if (!attributes.lpSecurityDescriptor) return io_error("cannot make an access list for this user: " + last_error_text());
  }
  // CREATE_NEW: a file already there is not ours to overwrite.
  HANDLE raw = CreateFileW(path.c_str(), GENERIC_WRITE, 0, &attributes, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr);
  const Error failure = raw == INVALID_HANDLE_VALUE ? last_error() : Error{};
  LocalFree(attributes.lpSecurityDescriptor);
  if (raw == INVALID_HANDLE_VALUE) return failure;
  Handle file(raw);
  std::size_t done = 0;
  while (done < content.size()) {
    DWORD written = 0;
    const DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(content.size() - done, 1u << 30));
    if (!WriteFile(raw, content.data() + done, chunk, &written, nullptr) || written == 0) return last_error();
    done += written;
  }
  if (!FlushFileBuffers(raw)) return last_error();
  return {};
}

Status write_secret_file(const std::filesystem::path& path, ByteView secret) {
  auto sealed = dpapi(true, secret);
  if (!sealed) return sealed.error();
  std::string content(kSealedMagic);
  content.append(as_text(*sealed));
  return write_new_file(path, content, FileAccess::owner_only);
}

Result<Bytes> read_secret_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return not_found(ec ? ec.message() : "no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("cannot open it");
  Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return io_error("cannot read it");
  if (as_text(bytes).substr(0, kSealedMagic.size()) != kSealedMagic) return bytes;  // a plain key file
  auto opened = dpapi(false, ByteView(bytes).subspan(kSealedMagic.size()));
  if (!opened)
    return refused("it is sealed for another Windows user or computer (" + opened.error().message +
                   "); it opens only for the account that created it");
  return opened;
}

Status sync_file(const std::filesystem::path& path) {
  HANDLE raw = CreateFileW(path.c_str(), GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_EXISTING,
                           FILE_ATTRIBUTE_NORMAL, nullptr);
  if (raw == INVALID_HANDLE_VALUE) return last_error();
  Handle file(raw);
  if (!FlushFileBuffers(raw)) return last_error();
  return {};
}

Status sync_directory(const std::filesystem::path&) { return {}; }

std::optional<std::vector<std::string>> trusted_root_certificates() {
  std::vector<std::string> certificates;
  HCERTSTORE store = CertOpenSystemStoreW(0, L"ROOT");
  if (!store) return certificates;
  for (PCCERT_CONTEXT cert = nullptr; (cert = CertEnumCertificatesInStore(store, cert)) != nullptr;)
    if (cert->dwCertEncodingType & X509_ASN_ENCODING) certificates.push_back(pem_of(cert->pbCertEncoded, cert->cbCertEncoded));
  CertCloseStore(store, 0);
  return certificates;
}

void keep_new_files_private() {}

// Windows has no memory-only file a library can open by name: exports use a private temporary folder.
std::optional<MemoryFile> MemoryFile::create() { return std::nullopt; }
MemoryFile::MemoryFile(MemoryFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
MemoryFile::~MemoryFile() = default;
std::filesystem::path MemoryFile::path() const { return {}; }
Result<std::string> MemoryFile::read() const { return io_error("no memory files on Windows"); }
std::optional<std::filesystem::path> memory_folder() { return std::nullopt; }

}  // namespace dsptsync::platform
