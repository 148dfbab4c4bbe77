# Cross-compiling the branch client for 64-bit Windows with Debian's MinGW-w64 (the posix thread
# model, for std::thread and std::mutex). scripts/build-windows.sh uses it for the dependencies it
# builds and for dsptsync.exe; DSPTSYNC_WINDOWS_PREFIX is where those dependencies are installed.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_AR x86_64-w64-mingw32-gcc-ar-posix CACHE FILEPATH "")
set(CMAKE_RANLIB x86_64-w64-mingw32-gcc-ranlib-posix CACHE FILEPATH "")

# Look for headers and libraries only in MinGW's own tree and the dependencies' prefix, never in
# the Linux system's /usr/include or /usr/lib.
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
if(DSPTSYNC_WINDOWS_PREFIX)
  list(APPEND CMAKE_FIND_ROOT_PATH ${DSPTSYNC_WINDOWS_PREFIX})
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
