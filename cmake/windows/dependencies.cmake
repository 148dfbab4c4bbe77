# The libraries of the Windows cross-build (docs/dependencies.md#windows), as the same targets the
# Linux build gets from find_package and pkg-config, so common/, web/ and client/ build unchanged.
# scripts/build-windows.sh builds each from its Debian source package into DSPTSYNC_WINDOWS_PREFIX,
# static, and links the header-only ones (Boost, cereal, nlohmann-json, CLI11) from the Debian
# packages the Linux build installs into its include/ folder.
if(NOT DSPTSYNC_WINDOWS_PREFIX OR NOT EXISTS ${DSPTSYNC_WINDOWS_PREFIX}/lib/libsodium.a)
  message(FATAL_ERROR "DSPTSYNC_WINDOWS_PREFIX does not hold the Windows dependencies: run scripts/build-windows.sh")
endif()
set(prefix ${DSPTSYNC_WINDOWS_PREFIX})

# Windows 10 and later; no min/max macros from windows.h.
add_compile_definitions(_WIN32_WINNT=0x0A00 WINVER=0x0A00 NOMINMAX WIN32_LEAN_AND_MEAN)
# One .exe that runs on a clean Windows: the C++ runtime, libgcc and winpthreads linked in.
add_link_options(-static -s)

function(dsptsync_windows_library target)
  add_library(${target} INTERFACE IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${prefix}/include
                                             INTERFACE_LINK_LIBRARIES "${ARGN}")
endfunction()

# Asio (in Boost's headers) uses Winsock.
dsptsync_windows_library(Boost::headers ws2_32 mswsock)
dsptsync_windows_library(nlohmann_json::nlohmann_json)
dsptsync_windows_library(cereal::cereal)
dsptsync_windows_library(SQLite::SQLite3 ${prefix}/lib/libsqlite3.a)
dsptsync_windows_library(PkgConfig::sodium ${prefix}/lib/libsodium.a advapi32)
dsptsync_windows_library(PkgConfig::xlsxwriter ${prefix}/lib/libxlsxwriter.a ${prefix}/lib/libz.a)
dsptsync_windows_library(PkgConfig::libzip ${prefix}/lib/libzip.a ${prefix}/lib/libz.a bcrypt advapi32)
dsptsync_windows_library(PkgConfig::expat ${prefix}/lib/libexpat.a)
dsptsync_windows_library(csv ${prefix}/lib/libcsv.a)
# Static libraries: their headers must not declare their functions as imported from a DLL.
set_property(TARGET PkgConfig::sodium APPEND PROPERTY INTERFACE_COMPILE_DEFINITIONS SODIUM_STATIC)
set_property(TARGET PkgConfig::libzip APPEND PROPERTY INTERFACE_COMPILE_DEFINITIONS ZIP_STATIC)
set_property(TARGET PkgConfig::expat APPEND PROPERTY INTERFACE_COMPILE_DEFINITIONS XML_STATIC)

set(OPENSSL_ROOT_DIR ${prefix})
set(OPENSSL_USE_STATIC_LIBS TRUE)
find_package(OpenSSL REQUIRED)
# OpenSSL's random numbers and certificate code use these system libraries.
set_property(TARGET OpenSSL::Crypto APPEND PROPERTY INTERFACE_LINK_LIBRARIES ws2_32 crypt32 bcrypt user32 advapi32)
