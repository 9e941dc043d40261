; Inno Setup script for SayOnce on Windows (Inno Setup 6.2 or later).
;
; 1. On a Windows build machine (x64, Python 3.11/3.12): `make package` or
;      py -3.11 -m venv .venv && .venv\Scripts\pip install torch==2.13.0 -e ".[dev,package]"
;      .venv\Scripts\sayonce models prepare && .venv\Scripts\python build_spec\build.py
;    which writes dist\sayonce\ (sayonce.exe for the console, sayonce-desktop.exe windowed).
; 2. ISCC.exe /DAppVersion=0.1.0 build_spec\windows\sayonce.iss
;    writes dist\SayOnce-0.1.0-setup.exe.
;
; The installer only copies the one-folder bundle: no Python, no network, no services.
; Per-user data (the SQLite database, logs) lives in %LOCALAPPDATA%\SayOnce, never under
; Program Files. To point workstations at the shared PostgreSQL database, set the machine
; environment variable SAYONCE_DATABASE_URL (e.g. by Group Policy), or pass /DBURL=... to this
; installer, which then writes it for all users.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "SayOnce"
#define BundleDir "..\..\dist\sayonce"

[Setup]
AppId={{5B7C1E4A-2F3D-4C8E-9A61-7D2E0B9C4F10}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=SayOnce
DefaultDirName={autopf}\SayOnce
DefaultGroupName=SayOnce
DisableProgramGroupPage=yes
OutputDir=..\..\dist
OutputBaseFilename=SayOnce-{#AppVersion}-setup
SetupIconFile=sayonce.ico
UninstallDisplayIcon={app}\sayonce-desktop.exe
; torch and Qt compress well with LZMA2; solid compression keeps the installer small.
Compression=lzma2/max
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; IT installs for everyone; a user without admin rights may still install for themselves.
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=dialog commandline
WizardStyle=modern
ChangesEnvironment=yes
MinVersion=10.0

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\SayOnce"; Filename: "{app}\sayonce-desktop.exe"; Comment: "Agent desktop"
Name: "{autoprograms}\SayOnce self-test"; Filename: "{app}\sayonce.exe"; Parameters: "selftest"
Name: "{autodesktop}\SayOnce"; Filename: "{app}\sayonce-desktop.exe"; Tasks: desktopicon

[Registry]
; Only when the installer was given /DBURL=postgresql+psycopg://...
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; \
  ValueType: string; ValueName: "SAYONCE_DATABASE_URL"; ValueData: "{param:DBURL}"; \
  Check: HasDatabaseUrl and IsAdminInstallMode; Flags: uninsdeletevalue

[Run]
Filename: "{app}\sayonce.exe"; Parameters: "selftest"; Description: "Run the self-test now"; \
  Flags: postinstall unchecked waituntilterminated
Filename: "{app}\sayonce-desktop.exe"; Description: "{cm:LaunchProgram,SayOnce}"; \
  Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Anything written into the bundle folder at run time (e.g. byte-code caches) goes with it.
Type: filesandordirs; Name: "{app}\_internal"

[Code]
function HasDatabaseUrl: Boolean;
begin
  Result := ExpandConstant('{param:DBURL}') <> '';
end;
