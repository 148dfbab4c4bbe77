; The Windows installer of dsptsync, the branch laptop's client (built by scripts/package-windows.sh
; with Debian's NSIS). Installs for the current user only, so no administrator is needed:
;   - dsptsync.exe and a short README in %LOCALAPPDATA%\Programs\dsptsync (or the folder chosen),
;   - that folder on the user's PATH, so `dsptsync` works in any new terminal,
;   - a Start menu entry "DSPT sync" that runs `dsptsync ui` (the web app in the browser),
;   - optionally, a Start-up entry that runs `dsptsync sync --watch` minimised at sign-in,
;   - an uninstaller (also in Settings > Apps) that leaves the assessment store in
;     %LOCALAPPDATA%\dsptsync unless the user ticks "Also delete ...".
; Silent use, for IT: dsptsync-VERSION-setup.exe /S [/WATCH] [/D=FOLDER]
;                     uninstall.exe /S [/REMOVESTORE]
; Defines given by the packaging script: VERSION, EXE, README, OUTFILE.

; 64-bit, as dsptsync.exe is: it runs under a 64-bit Wine without its 32-bit half, too.
Target amd64-unicode
ManifestDPIAware true
RequestExecutionLevel user
SetCompressor /SOLID lzma

!include MUI2.nsh
!include LogicLib.nsh
!include FileFunc.nsh
!include StrFunc.nsh
!include WinMessages.nsh
${StrStr}
${StrRep}
${UnStrRep}

!define PRODUCT "dsptsync"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\dsptsync"
!define STARTUP_LINK "$SMSTARTUP\dsptsync sync.lnk"

Name "dsptsync ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\dsptsync"
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "dsptsync ${VERSION}"

!define MUI_COMPONENTSPAGE_SMALLDESC
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN "$INSTDIR\dsptsync.exe"
!define MUI_FINISHPAGE_RUN_PARAMETERS "ui"
!define MUI_FINISHPAGE_RUN_TEXT "Open the DSPT web app now"
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

; ---- PATH: the user's own, in HKCU\Environment. Entries are compared whole, between ';'.
Function AddToPath
  ReadRegStr $0 HKCU "Environment" "Path"
  ${StrStr} $1 ";$0;" ";$INSTDIR;"
  ${If} $1 != ""
    Return
  ${EndIf}
  ${If} $0 == ""
    StrCpy $0 "$INSTDIR"
  ${Else}
    StrCpy $0 "$0;$INSTDIR"
  ${EndIf}
  WriteRegExpandStr HKCU "Environment" "Path" "$0"
  SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=5000
FunctionEnd

Function un.RemoveFromPath
  ReadRegStr $0 HKCU "Environment" "Path"
  ${UnStrRep} $1 ";$0;" ";$INSTDIR;" ";"
  StrCpy $1 $1 "" 1   ; the ';' added in front
  StrCpy $1 $1 -1     ; and the one at the end
  ${If} $1 == ""
    DeleteRegValue HKCU "Environment" "Path"
  ${Else}
    WriteRegExpandStr HKCU "Environment" "Path" "$1"
  ${EndIf}
  SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=5000
FunctionEnd

Section "dsptsync (required)" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  File "/oname=dsptsync.exe" "${EXE}"
  File "/oname=README.txt" "${README}"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateDirectory "$SMPROGRAMS\dsptsync"
  ; Its window says where the app is and, when something is wrong, what to do; closing it stops the app.
  CreateShortcut "$SMPROGRAMS\dsptsync\DSPT sync.lnk" "$INSTDIR\dsptsync.exe" "ui" "$INSTDIR\dsptsync.exe" 0 \
    SW_SHOWNORMAL "" "Complete the Data Security and Protection Toolkit in your browser"
  CreateShortcut "$SMPROGRAMS\dsptsync\Uninstall dsptsync.lnk" "$INSTDIR\uninstall.exe"
  Call AddToPath
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "dsptsync (DSPT sync for branch laptops)"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "dsptsync"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\dsptsync.exe"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" "$0"
SectionEnd

Section /o "Sync with head office in the background at sign-in" SecWatch
  ; A Start-up entry the user can see and remove (Task Manager > Start-up apps), minimised: the
  ; window shows what sync is doing; closing it stops sync cleanly.
  CreateShortcut "${STARTUP_LINK}" "$INSTDIR\dsptsync.exe" "sync --watch" "$INSTDIR\dsptsync.exe" 0 \
    SW_SHOWMINIMIZED "" "Sync this laptop's DSPT answers with head office whenever it is online"
SectionEnd

!insertmacro MUI_FUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecMain} "dsptsync.exe, a Start menu entry that opens the web app, and the dsptsync command in new terminals."
  !insertmacro MUI_DESCRIPTION_TEXT ${SecWatch} "For a laptop enrolled with head office: at every sign-in, start syncing in a minimised window."
!insertmacro MUI_FUNCTION_DESCRIPTION_END

Function .onInit
  ; /WATCH on the command line (silent installs) ticks the sign-in sync.
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} $0 "/WATCH" $1
  ${IfNot} ${Errors}
    SectionGetFlags ${SecWatch} $2
    IntOp $2 $2 | ${SF_SELECTED}
    SectionSetFlags ${SecWatch} $2
  ${EndIf}
FunctionEnd

Section "un.dsptsync" UnSecMain
  SectionIn RO
  Delete "$INSTDIR\dsptsync.exe"
  Delete "$INSTDIR\README.txt"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\dsptsync\DSPT sync.lnk"
  Delete "$SMPROGRAMS\dsptsync\Uninstall dsptsync.lnk"
  RMDir "$SMPROGRAMS\dsptsync"
  Delete "${STARTUP_LINK}"
  Call un.RemoveFromPath
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
SectionEnd

Section /o "un.Also delete this laptop's assessment store" UnSecStore
  ; The answers, their history, the store's key and this laptop's enrolment. What has been synced
  ; is still at head office; anything not yet synced is lost.
  RMDir /r "$LOCALAPPDATA\dsptsync"
SectionEnd

!insertmacro MUI_UNFUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${UnSecMain} "dsptsync.exe, its Start menu and Start-up entries, and its place on your PATH."
  !insertmacro MUI_DESCRIPTION_TEXT ${UnSecStore} "Deletes %LOCALAPPDATA%\dsptsync: your answers, their history and the store's key. Answers not yet synced with head office are lost for good."
!insertmacro MUI_UNFUNCTION_DESCRIPTION_END

Function un.onInit
  ; /REMOVESTORE on the command line (silent uninstalls) deletes the store too.
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} $0 "/REMOVESTORE" $1
  ${IfNot} ${Errors}
    SectionGetFlags ${UnSecStore} $2
    IntOp $2 $2 | ${SF_SELECTED}
    SectionSetFlags ${UnSecStore} $2
  ${EndIf}
FunctionEnd
